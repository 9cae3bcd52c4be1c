import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import formbody from '@fastify/formbody';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { type Static, Type } from 'typebox';
import { validateNationalId } from '../../../../shared/countries/index.ts';
import { originOf } from '../../../platform/http/route-access.ts';
import { overHttps, securityHeaders } from '../../../platform/http/security-headers.ts';
import type { RateLimiter, RateLimitRule } from '../../../platform/rate-limit.ts';
import { checkPassword, findAccount } from '../accounts.ts';
import {
  type Acr,
  acrRank,
  assuranceOf,
  finishPasskeyAuthentication,
  listFactors,
  passkeyAuthenticationOptions,
  preferredAcr,
  redeemRecoveryCode,
  remainingRecoveryCodes,
  requiredAcr,
  verifyTotp,
} from '../factors.ts';
import { dataRequestParam } from './data-requests.ts';
import {
  consentPage,
  errorPage,
  factorPage,
  loginPage,
  type PageContext,
  pickLanguage,
  translator,
} from './pages.ts';
import type { OidcDeps, OidcRuntime } from './provider.ts';

/**
 * Failed password attempts per client IP, shared by every node. Generous, because a mobile
 * operator's carrier-grade NAT puts many honest citizens behind one address; the per-account
 * lock-out is what stops a targeted guess.
 */
export const loginIpRule: RateLimitRule = { name: 'login-failures-ip', limit: 30, windowSeconds: 600 };
/** Wrong second-factor codes per account: five per five minutes. */
export const codeAccountRule: RateLimitRule = { name: 'code-failures-account', limit: 5, windowSeconds: 300 };

const assetsDir = join(import.meta.dirname, 'assets');
const webauthnBrowserBundle = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);

interface LoginStep {
  accountId: string;
  amr: string[];
}

/**
 * The provider answers under /oidc (its own router, body parsing and cookies); the login, second
 * factor and consent pages live under /interaction.
 */
export async function oidcRoutes(
  app: FastifyInstance,
  opts: { deps: OidcDeps; runtime: OidcRuntime; limiter: RateLimiter },
): Promise<void> {
  const { deps, limiter } = opts;
  const { provider, formKey } = opts.runtime;
  const callback = provider.callback();
  const now = () => new Date();

  await app.register(async function providerScope(scope) {
    // oidc-provider reads request bodies itself: leave the stream untouched.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      // The provider writes its own responses: give them the same protective headers as ours.
      const res = reply.raw;
      for (const [name, value] of Object.entries(securityHeaders(overHttps(request, deps.publicUrl))))
        res.setHeader(name, value);
      res.setHeader('x-request-id', request.id);
      // Mounted like Koa/Express mounts: the provider derives its endpoint URLs from originalUrl.
      const raw = request.raw as typeof request.raw & { originalUrl?: string };
      raw.originalUrl = raw.url;
      raw.url = raw.url!.slice('/oidc'.length) || '/';
      callback(request.raw, res);
    };
    scope.all('/oidc', { config: { access: 'oidc' }, schema: { hide: true } }, handler);
    scope.all('/oidc/*', { config: { access: 'oidc' }, schema: { hide: true } }, handler);
  });

  await app.register(async function assets(scope) {
    const files: Record<string, { type: string; body: Buffer }> = {
      'jokko.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(assetsDir, 'jokko.css')) },
      'passkey.js': {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(join(assetsDir, 'passkey.js')),
      },
      'webauthn-browser.js': {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(webauthnBrowserBundle),
      },
    };
    scope.get(
      '/interaction-assets/:file',
      { config: { access: 'public' }, schema: { hide: true } },
      async (request, reply) => {
        const file = files[(request.params as { file: string }).file];
        if (!file) return reply.code(404).type('text/plain').send('not found');
        return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
      },
    );
  });

  const csrfFor = (uid: string) =>
    createHmac('sha256', formKey).update(`interaction:${uid}`).digest('base64url');
  const csrfValid = (uid: string, token: unknown) => {
    const expected = Buffer.from(csrfFor(uid));
    const given = Buffer.from(typeof token === 'string' ? token : '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  async function loginStep(uid: string): Promise<LoginStep | undefined> {
    const [row] = await deps.database.query<{ account_id: string; amr: string[] }>(
      'SELECT account_id::text AS account_id, amr FROM identity_login_steps WHERE interaction_uid = $1 AND expires_at > $2',
      [uid, now()],
    );
    return row ? { accountId: row.account_id, amr: row.amr } : undefined;
  }

  async function saveStep(uid: string, step: LoginStep): Promise<void> {
    await deps.database.query(
      `INSERT INTO identity_login_steps (interaction_uid, account_id, amr, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (interaction_uid) DO UPDATE SET account_id = EXCLUDED.account_id, amr = EXCLUDED.amr, expires_at = EXCLUDED.expires_at`,
      [uid, step.accountId, step.amr, new Date(now().getTime() + 15 * 60_000)],
    );
  }

  await app.register(async function interactionScope(scope) {
    await scope.register(formbody);
    const Params = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{10,64}$' }) });
    type Params = Static<typeof Params>;
    const Query = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 8 })) });
    const LoginBody = Type.Object({
      nin: Type.String({ maxLength: 32 }),
      password: Type.String({ maxLength: 256 }),
      csrf: Type.String({ maxLength: 64 }),
    });
    const CodeBody = Type.Object({
      code: Type.String({ maxLength: 32 }),
      csrf: Type.String({ maxLength: 64 }),
    });
    const CsrfBody = Type.Object({ csrf: Type.String({ maxLength: 64 }) });
    const PasskeyBody = Type.Object({ response: Type.Object({ id: Type.String({ maxLength: 1024 }) }) });
    const interactionRoute = (body?: object) => ({
      // Bound to the provider's interaction cookie; an anonymous browser reaches them to sign in.
      config: { access: 'oidc' as const },
      schema: { hide: true, params: Params, ...(body ? { body } : {}) },
    });

    /** Everything a page needs: the interaction, the client, the page language and form token. */
    async function interaction(request: FastifyRequest, reply: FastifyReply) {
      const { uid } = request.params as Params;
      const lang = (request.query as { lang?: string }).lang;
      const cookieLang = /(?:^|;\s*)jokko_lang=(\w+)/.exec(request.headers.cookie ?? '')?.[1];
      let details: Awaited<ReturnType<Provider['interactionDetails']>> | undefined;
      try {
        details = await provider.interactionDetails(request.raw, reply.raw);
      } catch {
        details = undefined;
      }
      const language = pickLanguage(
        [lang, cookieLang, details?.params.ui_locales as string | undefined],
        request.headers['accept-language'],
        deps.country.languages.default,
      );
      if (lang) reply.header('set-cookie', `jokko_lang=${language}; Path=/; SameSite=Lax; Max-Age=31536000`);
      const page: PageContext = {
        lang: language,
        t: translator(language),
        path: request.url.split('?')[0]!,
        csrf: csrfFor(uid),
      };
      if (!details || details.uid !== uid)
        return {
          page,
          details: undefined,
          client: undefined,
          clientName: '',
          required: 'low' as Acr,
          preferred: 'low' as Acr,
        };
      const client = await provider.Client.find(String(details.params.client_id));
      // Forms post back here; the browser then follows redirects to the client: allow its origins.
      const origins = new Set((client?.redirectUris ?? []).map((u) => new URL(u).origin));
      reply.header(
        'content-security-policy',
        `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' ${[...origins].join(' ')}`,
      );
      const required = requiredAcr(
        details.params.acr_values as string | undefined,
        client?.defaultAcrValues as string[] | undefined,
      );
      const preferred = preferredAcr(
        details.params.acr_values as string | undefined,
        client?.defaultAcrValues as string[] | undefined,
      );
      return {
        page,
        details,
        client,
        clientName: String(client?.clientName ?? details.params.client_id),
        required,
        // Never below the minimum: "low substantial" means substantial.
        preferred: acrRank[preferred] > acrRank[required] ? preferred : required,
      };
    }

    const badSession = (reply: FastifyReply, page: PageContext) =>
      reply
        .code(400)
        .type('text/html')
        .send(errorPage(page, page.t('badSession')));

    async function factorOptions(accountId: string) {
      const factors = await listFactors(deps.database, accountId);
      return {
        totp: factors.some((f) => f.kind === 'totp'),
        passkey: factors.some((f) => f.kind === 'passkey'),
        recovery: (await remainingRecoveryCodes(deps.database, accountId)) > 0,
      };
    }

    async function audit(
      request: FastifyRequest,
      action: string,
      accountId: string | undefined,
      outcome: 'success' | 'denied',
      details: Record<string, unknown>,
    ) {
      await deps.audit.record({
        actor: { kind: 'citizen', id: accountId ?? 'unknown' },
        action,
        ...(accountId ? { subject: { kind: 'account', id: accountId } } : {}),
        outcome,
        origin: originOf(request),
        details,
      });
    }

    /** Ends the login part of the interaction with the factors proven so far. */
    async function finishLogin(
      request: FastifyRequest,
      reply: FastifyReply,
      uid: string,
      accountId: string,
      amr: string[],
      acr: Acr,
    ): Promise<string> {
      await deps.database.query('DELETE FROM identity_login_steps WHERE interaction_uid = $1', [uid]);
      const result: InteractionResults = { login: { accountId, acr, amr: [...new Set(amr)] } };
      await audit(request, 'identity.login.completed', accountId, 'success', { acr, amr });
      return provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    }

    type Details = NonNullable<Awaited<ReturnType<typeof interaction>>['details']>;
    /** The partner's data request this sign-in carries, when the citizen still has to answer it. */
    async function dataRequestOf(details: Details) {
      const requestId = details.params[dataRequestParam];
      if (!requestId || !deps.dataRequests || !details.session?.accountId) return undefined;
      const account = await findAccount(deps.database, details.session.accountId);
      const summary = await deps.dataRequests.describe(
        String(requestId),
        String(details.params.client_id),
        account?.nin,
      );
      return summary?.status === 'pending' && !summary.otherCitizen && account
        ? { id: String(requestId), summary, account }
        : undefined;
    }

    scope.get(
      '/interaction/:uid',
      { ...interactionRoute(), schema: { hide: true, params: Params, querystring: Query } },
      async (request, reply) => {
        const { uid } = request.params as Params;
        const it = await interaction(request, reply);
        if (!it.details) return badSession(reply, it.page);
        const { details, page } = it;
        reply.type('text/html').header('cache-control', 'no-store');
        if (details.prompt.name === 'login') {
          let step = await loginStep(uid);
          // A signed-in citizen asked for a higher level: keep the session, ask for a second factor.
          if (!step && details.session?.accountId && details.prompt.reasons.includes('acr_step_up')) {
            step = {
              accountId: details.session.accountId,
              amr: (details.session.amr as string[] | undefined) ?? ['pwd'],
            };
            await saveStep(uid, step);
          }
          if (step)
            return factorPage(page, uid, it.clientName, {
              requested: it.preferred,
              ...(await factorOptions(step.accountId)),
            });
          return loginPage(page, uid, it.clientName);
        }
        const scopes = String(details.params.scope ?? '')
          .split(' ')
          .filter((s) => s && s !== 'openid');
        return consentPage(page, uid, it.clientName, scopes, await dataRequestOf(details));
      },
    );

    scope.post('/interaction/:uid/login', interactionRoute(LoginBody), async (request, reply) => {
      const { uid } = request.params as Params;
      const body = request.body as Static<typeof LoginBody>;
      const it = await interaction(request, reply);
      if (it.details?.prompt.name !== 'login' || !csrfValid(uid, body.csrf))
        return badSession(reply, it.page);
      const { page } = it;
      const ipKey = request.ip;
      const limit = await limiter.peek(loginIpRule, ipKey, now());
      if (!limit.allowed) {
        await audit(request, 'identity.login.password', undefined, 'denied', { reason: 'rate-limited' });
        return reply
          .code(429)
          .header('retry-after', String(limit.retryAfterSeconds))
          .type('text/html')
          .send(loginPage(page, uid, it.clientName, page.t('tooMany', { seconds: limit.retryAfterSeconds })));
      }
      const nin = validateNationalId(deps.country, body.nin);
      const result = nin.ok
        ? await checkPassword(deps.database, nin.normalized, body.password, now())
        : ({ ok: false, reason: 'invalid' } as const);
      await deps.audit.record({
        actor: { kind: 'citizen', id: result.ok ? result.account.id : 'unknown' },
        action: 'identity.login.password',
        subject: { kind: 'person', id: nin.ok ? nin.normalized : 'malformed' },
        outcome: result.ok ? 'success' : 'denied',
        origin: originOf(request),
        details: {
          clientId: String(it.details.params.client_id),
          ...(result.ok ? {} : { reason: result.reason }),
        },
      });
      if (!result.ok) {
        await limiter.hit(loginIpRule, ipKey, now());
        return reply
          .code(401)
          .type('text/html')
          .send(
            loginPage(page, uid, it.clientName, page.t(result.reason === 'locked' ? 'locked' : 'invalid')),
          );
      }
      const accountId = result.account.id;
      const options = await factorOptions(accountId);
      // Low is enough, and either asked for or all this account can reach: done with the password.
      if (it.required === 'low' && (it.preferred === 'low' || (!options.totp && !options.passkey)))
        return reply.redirect(await finishLogin(request, reply, uid, accountId, ['pwd'], 'low'), 303);
      // The relying party needs more than this account can prove: say so to the relying party.
      if (
        (it.required === 'high' && !options.passkey) ||
        (!options.totp && !options.passkey && !options.recovery)
      ) {
        await audit(request, 'identity.login.unmet', accountId, 'denied', { required: it.required });
        const to = await provider.interactionResult(request.raw, reply.raw, {
          error: 'unmet_authentication_requirements',
          error_description: `the account has no factor reaching acr ${it.required}`,
        });
        return reply.redirect(to, 303);
      }
      await saveStep(uid, { accountId, amr: ['pwd'] });
      return reply.redirect(`/interaction/${uid}`, 303);
    });

    async function codeStep(
      request: FastifyRequest,
      reply: FastifyReply,
      kind: 'totp' | 'recovery',
    ): Promise<unknown> {
      const { uid } = request.params as Params;
      const body = request.body as Static<typeof CodeBody>;
      const it = await interaction(request, reply);
      const step = it.details && csrfValid(uid, body.csrf) ? await loginStep(uid) : undefined;
      if (!it.details || !step) return badSession(reply, it.page);
      const { page } = it;
      const limit = await limiter.peek(codeAccountRule, step.accountId, now());
      const ok =
        limit.allowed &&
        (kind === 'totp'
          ? await verifyTotp(deps, step.accountId, body.code, now())
          : await redeemRecoveryCode(deps.database, step.accountId, body.code));
      await audit(request, `identity.login.${kind}`, step.accountId, ok ? 'success' : 'denied', {
        ...(limit.allowed ? {} : { reason: 'rate-limited' }),
      });
      const amr = [...step.amr, 'otp', 'mfa'];
      const acr = assuranceOf(amr);
      if (!ok || acrRank[acr] < acrRank[it.required]) {
        if (limit.allowed && !ok) await limiter.hit(codeAccountRule, step.accountId, now());
        const error = limit.allowed
          ? page.t(ok ? 'needPasskey' : 'badCode')
          : page.t('tooMany', { seconds: limit.retryAfterSeconds });
        return reply
          .code(limit.allowed ? 401 : 429)
          .type('text/html')
          .send(
            factorPage(page, uid, it.clientName, {
              requested: it.preferred,
              error,
              ...(await factorOptions(step.accountId)),
            }),
          );
      }
      return reply.redirect(await finishLogin(request, reply, uid, step.accountId, amr, acr), 303);
    }
    scope.post('/interaction/:uid/totp', interactionRoute(CodeBody), (request, reply) =>
      codeStep(request, reply, 'totp'),
    );
    scope.post('/interaction/:uid/recovery', interactionRoute(CodeBody), (request, reply) =>
      codeStep(request, reply, 'recovery'),
    );

    // Passkeys: the page's script asks for options, runs the WebAuthn ceremony, posts the result.
    scope.post('/interaction/:uid/passkey/options', interactionRoute(), async (request, reply) => {
      const { uid } = request.params as Params;
      const it = await interaction(request, reply);
      if (!it.details || !csrfValid(uid, request.headers['x-csrf-token']))
        return reply.code(400).send({ message: it.page.t('badSession') });
      const step = await loginStep(uid);
      return passkeyAuthenticationOptions(deps, step?.accountId);
    });

    scope.post('/interaction/:uid/passkey', interactionRoute(PasskeyBody), async (request, reply) => {
      const { uid } = request.params as Params;
      const it = await interaction(request, reply);
      if (!it.details || !csrfValid(uid, request.headers['x-csrf-token']))
        return reply.code(400).send({ message: it.page.t('badSession') });
      const step = await loginStep(uid);
      const proof = await finishPasskeyAuthentication(
        deps,
        (request.body as { response: AuthenticationResponseJSON }).response,
        step?.accountId,
      );
      const account = proof ? await findAccount(deps.database, proof.accountId) : undefined;
      const usable = proof && account?.status === 'active';
      await audit(request, 'identity.login.passkey', proof?.accountId, usable ? 'success' : 'denied', {
        userVerified: proof?.userVerified ?? null,
      });
      if (!proof || !usable) return reply.code(401).send({ message: it.page.t('passkeyFailed') });
      const amr = [...(step?.amr ?? []), 'hwk', ...(proof.userVerified || step ? ['mfa'] : [])];
      const acr = assuranceOf(amr, proof.userVerified);
      if (acrRank[acr] < acrRank[it.required])
        return reply.code(401).send({ message: it.page.t('needPasskey') });
      return { redirect: await finishLogin(request, reply, uid, proof.accountId, amr, acr) };
    });

    scope.post('/interaction/:uid/confirm', interactionRoute(CsrfBody), async (request, reply) => {
      const { uid } = request.params as Params;
      const it = await interaction(request, reply);
      const { details } = it;
      if (
        details?.prompt.name !== 'consent' ||
        !details.session ||
        !csrfValid(uid, (request.body as { csrf: string }).csrf)
      )
        return badSession(reply, it.page);
      const accountId = details.session.accountId;
      const clientId = String(details.params.client_id);
      const data = await dataRequestOf(details);
      if (data && deps.dataRequests)
        await deps.dataRequests.decide(
          data.id,
          clientId,
          { accountId, nin: data.account.nin },
          'approve',
          originOf(request),
        );
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId });
      if (!grant) return badSession(reply, it.page);
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await audit(request, 'identity.consent.granted', accountId, 'success', {
        clientId,
        scopes: missing.missingOIDCScope ?? [],
      });
      const redirectTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return reply.redirect(redirectTo, 303);
    });

    scope.post('/interaction/:uid/abort', interactionRoute(CsrfBody), async (request, reply) => {
      const { uid } = request.params as Params;
      const it = await interaction(request, reply);
      if (!it.details || !csrfValid(uid, (request.body as { csrf: string }).csrf))
        return badSession(reply, it.page);
      const data = await dataRequestOf(it.details);
      if (data && deps.dataRequests && it.details.session?.accountId)
        await deps.dataRequests.decide(
          data.id,
          String(it.details.params.client_id),
          { accountId: it.details.session.accountId, nin: data.account.nin },
          'deny',
          originOf(request),
        );
      await audit(request, 'identity.consent.denied', it.details.session?.accountId, 'denied', {
        clientId: String(it.details.params.client_id),
        ...(data ? { dataRequest: data.id } : {}),
      });
      const redirectTo = await provider.interactionResult(request.raw, reply.raw, {
        error: 'access_denied',
        error_description: 'the citizen refused',
      });
      return reply.redirect(redirectTo, 303);
    });
  });
}
