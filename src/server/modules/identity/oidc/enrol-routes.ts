import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { validateNationalId } from '../../../../shared/countries/index.ts';
import { systemActor } from '../../../platform/actor.ts';
import { originOf } from '../../../platform/http/route-access.ts';
import type { RateLimiter, RateLimitRule } from '../../../platform/rate-limit.ts';
import { getPerson } from '../../registries/index.ts';
import {
  activateAccount,
  createAccount,
  findAccount,
  findAccountByNin,
  PasswordRefused,
  resetCredentials,
} from '../accounts.ts';
import { redeemActivationCode } from '../activation.ts';
import {
  confirmTotp,
  finishPasskeyRegistration,
  issueRecoveryCodes,
  listFactors,
  passkeyRegistrationOptions,
  startTotpEnrolment,
} from '../factors.ts';
import {
  enrolDonePage,
  enrolFactorPage,
  enrolPasswordPage,
  enrolStartPage,
  errorPage,
  type PageContext,
  pickLanguage,
  translator,
} from './pages.ts';
import type { OidcDeps, OidcRuntime } from './provider.ts';

/** Wrong activation codes per client IP, shared by every node (each code also dies after 5). */
export const activationIpRule: RateLimitRule = {
  name: 'activation-failures-ip',
  limit: 20,
  windowSeconds: 3600,
};

const cookieName = 'jokko_enrol';
const ttlMs = 30 * 60_000;

interface Enrolment {
  tokenHash: Buffer;
  nin: string | null;
  purpose: 'enrol' | 'recover' | null;
  accountId: string | null;
  totpFactorId: string | null;
}

/**
 * Enrolment and recovery pages: NIN and activation code, then a password, then a second factor
 * (TOTP with a QR code, or a passkey), then ten recovery codes shown once. The account can sign
 * in only at the end: until it has a second factor it stays pending.
 */
export async function enrolRoutes(
  app: FastifyInstance,
  opts: { deps: OidcDeps; runtime: OidcRuntime; limiter: RateLimiter },
): Promise<void> {
  const { deps, limiter } = opts;
  const { formKey } = opts.runtime;
  await app.register(formbody);
  const secure = deps.publicUrl.startsWith('https://');
  const hash = (token: string) => createHash('sha256').update(token).digest();
  const csrfFor = (token: string) =>
    createHmac('sha256', formKey).update(`enrol:${token}`).digest('base64url');

  const tokenOf = (request: FastifyRequest) =>
    new RegExp(`(?:^|;\\s*)${cookieName}=([A-Za-z0-9_-]{43})`).exec(request.headers.cookie ?? '')?.[1];

  async function load(token: string | undefined): Promise<Enrolment | undefined> {
    if (!token) return undefined;
    const [row] = await deps.database.query<{
      token_hash: Uint8Array;
      nin: string | null;
      purpose: Enrolment['purpose'];
      account_id: string | null;
      totp_factor_id: string | null;
    }>(
      `SELECT token_hash, nin, purpose, account_id::text AS account_id, totp_factor_id::text AS totp_factor_id
         FROM identity_enrolments WHERE token_hash = $1 AND expires_at > now()`,
      [hash(token)],
    );
    return row
      ? {
          tokenHash: Buffer.from(row.token_hash),
          nin: row.nin,
          purpose: row.purpose,
          accountId: row.account_id,
          totpFactorId: row.totp_factor_id,
        }
      : undefined;
  }

  function pageContext(request: FastifyRequest, reply: FastifyReply, token: string): PageContext {
    const lang = (request.query as { lang?: string } | undefined)?.lang;
    const cookieLang = /(?:^|;\s*)jokko_lang=(\w+)/.exec(request.headers.cookie ?? '')?.[1];
    const language = pickLanguage(
      [lang, cookieLang],
      request.headers['accept-language'],
      deps.country.languages.default,
    );
    if (lang) reply.header('set-cookie', `jokko_lang=${language}; Path=/; SameSite=Lax; Max-Age=31536000`);
    reply.type('text/html').header('cache-control', 'no-store');
    return {
      lang: language,
      t: translator(language),
      path: request.url.split('?')[0]!,
      csrf: csrfFor(token),
    };
  }

  const csrfValid = (token: string, given: unknown) => {
    const expected = Buffer.from(csrfFor(token));
    const actual = Buffer.from(typeof given === 'string' ? given : '');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };

  /** The enrolment behind this request, checked against its form token; or an error page. */
  async function current(request: FastifyRequest, reply: FastifyReply, csrf?: unknown) {
    const token = tokenOf(request);
    const enrolment = await load(token);
    const page = pageContext(request, reply, token ?? '');
    if (!token || !enrolment || (csrf !== undefined && !csrfValid(token, csrf))) {
      reply.code(400).send(errorPage(page, page.t('badSession')));
      return undefined;
    }
    return { token, enrolment, page };
  }

  const route = (body?: object) => ({
    config: { access: 'public' as const },
    schema: {
      hide: true,
      querystring: Type.Object({ lang: Type.Optional(Type.String({ maxLength: 8 })) }),
      ...(body ? { body } : {}),
    },
  });

  const nextStep = (e: Enrolment) => (!e.nin ? '/enrol' : !e.accountId ? '/enrol/password' : '/enrol/factor');

  app.get('/enrol', route(), async (request, reply) => {
    let token = tokenOf(request);
    if (!(await load(token))) {
      token = randomBytes(32).toString('base64url');
      await deps.database.query('DELETE FROM identity_enrolments WHERE expires_at < now()');
      await deps.database.query('INSERT INTO identity_enrolments (token_hash, expires_at) VALUES ($1, $2)', [
        hash(token),
        new Date(Date.now() + ttlMs),
      ]);
      reply.header(
        'set-cookie',
        `${cookieName}=${token}; Path=/enrol; HttpOnly; SameSite=Strict; Max-Age=${ttlMs / 1000}${secure ? '; Secure' : ''}`,
      );
    }
    return enrolStartPage(pageContext(request, reply, token!));
  });

  const StartBody = Type.Object({
    nin: Type.String({ maxLength: 32 }),
    code: Type.String({ maxLength: 32 }),
    csrf: Type.String({ maxLength: 64 }),
  });
  app.post('/enrol', route(StartBody), async (request, reply) => {
    const body = request.body as Static<typeof StartBody>;
    const it = await current(request, reply, body.csrf);
    if (!it) return reply;
    const limit = await limiter.peek(activationIpRule, request.ip);
    if (!limit.allowed)
      return reply
        .code(429)
        .header('retry-after', String(limit.retryAfterSeconds))
        .send(enrolStartPage(it.page, it.page.t('tooMany', { seconds: limit.retryAfterSeconds })));
    const nin = validateNationalId(deps.country, body.nin);
    const result = nin.ok
      ? await redeemActivationCode(deps.database, nin.normalized, body.code, new Date())
      : undefined;
    await deps.audit.record({
      actor: { kind: 'citizen', id: 'unknown' },
      action: 'identity.enrolment.code',
      subject: { kind: 'person', id: nin.ok ? nin.normalized : 'malformed' },
      outcome: result?.ok ? 'success' : 'denied',
      origin: originOf(request),
      details: result && !result.ok ? { reason: result.reason } : {},
    });
    if (!nin.ok || !result?.ok) {
      await limiter.hit(activationIpRule, request.ip);
      return reply.code(401).send(enrolStartPage(it.page, it.page.t('badActivation')));
    }
    await deps.database.query('UPDATE identity_enrolments SET nin = $2, purpose = $3 WHERE token_hash = $1', [
      it.enrolment.tokenHash,
      nin.normalized,
      result.purpose,
    ]);
    return reply.redirect('/enrol/password', 303);
  });

  app.get('/enrol/password', route(), async (request, reply) => {
    const it = await current(request, reply);
    if (!it) return reply;
    if (!it.enrolment.nin || it.enrolment.accountId) return reply.redirect(nextStep(it.enrolment), 303);
    return enrolPasswordPage(it.page, it.enrolment.nin);
  });

  const PasswordBody = Type.Object({
    password: Type.String({ maxLength: 256 }),
    again: Type.String({ maxLength: 256 }),
    csrf: Type.String({ maxLength: 64 }),
    username: Type.Optional(Type.String({ maxLength: 32 })),
  });
  app.post('/enrol/password', route(PasswordBody), async (request, reply) => {
    const body = request.body as Static<typeof PasswordBody>;
    const it = await current(request, reply, body.csrf);
    if (!it) return reply;
    const { enrolment, page } = it;
    if (!enrolment.nin || enrolment.accountId) return reply.redirect(nextStep(enrolment), 303);
    if (body.password !== body.again)
      return reply.code(400).send(enrolPasswordPage(page, enrolment.nin, page.t('mismatch')));
    try {
      let accountId: string;
      const existing = await findAccountByNin(deps.database, enrolment.nin);
      if (enrolment.purpose === 'recover' && existing) {
        await resetCredentials(deps.database, existing, body.password);
        accountId = existing.id;
      } else if (!existing) {
        accountId = (await createAccount(deps.database, enrolment.nin, body.password, 'pending')).id;
      } else {
        return reply.code(409).send(errorPage(page, page.t('badActivation')));
      }
      await deps.database.query('UPDATE identity_enrolments SET account_id = $2 WHERE token_hash = $1', [
        enrolment.tokenHash,
        accountId,
      ]);
      await deps.audit.record({
        actor: { kind: 'citizen', id: accountId },
        action:
          enrolment.purpose === 'recover'
            ? 'identity.recovery.password-set'
            : 'identity.enrolment.account-created',
        subject: { kind: 'account', id: accountId },
        outcome: 'success',
        origin: originOf(request),
        details: {},
      });
      return reply.redirect('/enrol/factor', 303);
    } catch (error) {
      if (!(error instanceof PasswordRefused)) throw error;
      const key = `pw_${error.reason.replace(/-/g, '_')}` as Parameters<PageContext['t']>[0];
      return reply.code(400).send(enrolPasswordPage(page, enrolment.nin, page.t(key)));
    }
  });

  async function factorPage(it: NonNullable<Awaited<ReturnType<typeof current>>>, error?: string) {
    const { enrolment } = it;
    const totp = await startTotpEnrolment(deps, enrolment.accountId!, enrolment.nin!);
    await deps.database.query('UPDATE identity_enrolments SET totp_factor_id = $2 WHERE token_hash = $1', [
      enrolment.tokenHash,
      totp.factorId,
    ]);
    return enrolFactorPage(it.page, totp, error);
  }

  app.get('/enrol/factor', route(), async (request, reply) => {
    const it = await current(request, reply);
    if (!it) return reply;
    if (!it.enrolment.accountId) return reply.redirect(nextStep(it.enrolment), 303);
    return factorPage(it);
  });

  const CodeBody = Type.Object({
    code: Type.String({ maxLength: 16 }),
    csrf: Type.String({ maxLength: 64 }),
  });
  app.post('/enrol/totp', route(CodeBody), async (request, reply) => {
    const body = request.body as Static<typeof CodeBody>;
    const it = await current(request, reply, body.csrf);
    if (!it) return reply;
    const { enrolment } = it;
    if (!enrolment.accountId || !enrolment.totpFactorId) return reply.redirect(nextStep(enrolment), 303);
    const ok = await confirmTotp(
      deps,
      enrolment.accountId,
      enrolment.totpFactorId,
      body.code,
      originOf(request),
    );
    if (!ok) return reply.code(400).send(await factorPage(it, it.page.t('badCode')));
    return reply.redirect('/enrol/done', 303);
  });

  app.post('/enrol/passkey/options', route(), async (request, reply) => {
    const it = await current(request, reply, request.headers['x-csrf-token'] ?? '');
    if (!it) return reply;
    const { enrolment } = it;
    if (!enrolment.accountId)
      return reply
        .code(409)
        .type('application/json')
        .send({ message: it.page.t('badSession') });
    const person = await getPerson(deps, systemActor('identity'), enrolment.nin!);
    reply.type('application/json');
    return passkeyRegistrationOptions(deps, {
      id: enrolment.accountId,
      nin: enrolment.nin!,
      displayName: `${person.givenNames} ${person.familyName}`,
    });
  });

  const PasskeyBody = Type.Object({
    name: Type.Optional(Type.String({ maxLength: 60 })),
    response: Type.Object({ id: Type.String({ maxLength: 1024 }) }, { additionalProperties: true }),
  });
  app.post('/enrol/passkey', route(PasskeyBody), async (request, reply) => {
    const it = await current(request, reply, request.headers['x-csrf-token'] ?? '');
    if (!it) return reply;
    const { enrolment } = it;
    const body = request.body as { name?: string; response: RegistrationResponseJSON };
    reply.type('application/json');
    if (!enrolment.accountId) return reply.code(409).send({ message: it.page.t('badSession') });
    const added = await finishPasskeyRegistration(
      deps,
      enrolment.accountId,
      body.name ?? 'Passkey',
      body.response,
      originOf(request),
    );
    if (!added) return reply.code(400).send({ message: it.page.t('passkeyFailed') });
    return { redirect: '/enrol/done' };
  });

  app.get('/enrol/done', route(), async (request, reply) => {
    const it = await current(request, reply);
    if (!it) return reply;
    const { enrolment } = it;
    const factors = enrolment.accountId ? await listFactors(deps.database, enrolment.accountId) : [];
    if (!enrolment.accountId || !factors.length) return reply.redirect(nextStep(enrolment), 303);
    const account = await findAccount(deps.database, enrolment.accountId);
    await activateAccount(deps.database, enrolment.accountId);
    const codes = await issueRecoveryCodes(deps.database, enrolment.accountId);
    // The enrolment is over: the cookie's row goes, so the codes are shown exactly once.
    await deps.database.query('DELETE FROM identity_enrolments WHERE token_hash = $1', [enrolment.tokenHash]);
    await deps.audit.record({
      actor: { kind: 'citizen', id: enrolment.accountId },
      action:
        enrolment.purpose === 'recover' ? 'identity.recovery.completed' : 'identity.enrolment.completed',
      subject: { kind: 'account', id: enrolment.accountId },
      outcome: 'success',
      origin: originOf(request),
      details: { factors: factors.map((f) => f.kind), previousStatus: account?.status ?? null },
    });
    reply.header('set-cookie', `${cookieName}=; Path=/enrol; HttpOnly; SameSite=Strict; Max-Age=0`);
    return enrolDonePage(it.page, codes);
  });
}
