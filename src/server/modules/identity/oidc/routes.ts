import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { type Static, Type } from 'typebox';
import { validateNationalId } from '../../../../shared/countries/index.ts';
import { originOf } from '../../../platform/http/route-access.ts';
import { checkPassword } from '../accounts.ts';
import type { OidcDeps } from './provider.ts';

/**
 * The provider answers under /oidc (its own router, body parsing and cookies), and the login and
 * consent pages live under /interaction. The pages are server-rendered HTML without scripts.
 */
export async function oidcRoutes(
  app: FastifyInstance,
  opts: { deps: OidcDeps; provider: Provider },
): Promise<void> {
  const { deps, provider } = opts;
  const callback = provider.callback();

  await app.register(async function providerScope(scope) {
    // oidc-provider reads request bodies itself: leave the stream untouched.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      // Mounted like Koa/Express mounts: the provider derives its endpoint URLs from originalUrl.
      const raw = request.raw as typeof request.raw & { originalUrl?: string };
      raw.originalUrl = raw.url;
      raw.url = raw.url!.slice('/oidc'.length) || '/';
      callback(request.raw, reply.raw);
    };
    scope.all('/oidc', { config: { access: 'public' }, schema: { hide: true } }, handler);
    scope.all('/oidc/*', { config: { access: 'public' }, schema: { hide: true } }, handler);
  });

  await app.register(async function interactionScope(scope) {
    await scope.register(formbody);
    const Params = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{10,64}$' }) });
    const LoginBody = Type.Object({
      nin: Type.String({ maxLength: 32 }),
      password: Type.String({ maxLength: 256 }),
    });

    scope.get(
      '/interaction/:uid',
      { config: { access: 'public' }, schema: { hide: true, params: Params } },
      async (request, reply) => {
        const details = await provider.interactionDetails(request.raw, reply.raw);
        const { uid } = request.params as Static<typeof Params>;
        if (details.uid !== uid)
          return reply
            .code(400)
            .type('text/html')
            .send(page('Erreur', '<p>Session de connexion invalide.</p>'));
        const client = await provider.Client.find(String(details.params.client_id));
        const clientName = escapeHtml(String(client?.clientName ?? details.params.client_id));
        if (details.prompt.name === 'login') return reply.type('text/html').send(loginPage(uid, clientName));
        const scopes = String(details.params.scope ?? '')
          .split(' ')
          .filter((s) => s !== 'openid');
        return reply.type('text/html').send(consentPage(uid, clientName, scopes));
      },
    );

    scope.post(
      '/interaction/:uid/login',
      { config: { access: 'public' }, schema: { hide: true, params: Params, body: LoginBody } },
      async (request, reply) => {
        const { uid } = request.params as Static<typeof Params>;
        const body = request.body as Static<typeof LoginBody>;
        const details = await provider.interactionDetails(request.raw, reply.raw);
        if (details.uid !== uid || details.prompt.name !== 'login') return reply.code(400).send();
        const nin = validateNationalId(deps.country, body.nin);
        const result = nin.ok
          ? await checkPassword(deps.database, nin.normalized, body.password, new Date())
          : ({ ok: false, reason: 'invalid' } as const);
        await deps.audit.record({
          actor: { kind: 'citizen', id: result.ok ? result.account.id : 'unknown' },
          action: 'identity.login.password',
          subject: { kind: 'person', id: nin.ok ? nin.normalized : 'malformed' },
          outcome: result.ok ? 'success' : 'denied',
          origin: originOf(request),
          details: {
            clientId: String(details.params.client_id),
            ...(result.ok ? {} : { reason: result.reason }),
          },
        });
        if (!result.ok) {
          const message =
            result.reason === 'locked'
              ? 'Compte temporairement verrouillé. Réessayez plus tard.'
              : 'NIN ou mot de passe incorrect.';
          return reply
            .code(401)
            .type('text/html')
            .send(loginPage(uid, escapeHtml(String(details.params.client_id)), message));
        }
        const redirectTo = await provider.interactionResult(request.raw, reply.raw, {
          login: { accountId: result.account.id, acr: 'low', amr: ['pwd'] },
        });
        return reply.redirect(redirectTo, 303);
      },
    );

    scope.post(
      '/interaction/:uid/confirm',
      { config: { access: 'public' }, schema: { hide: true, params: Params } },
      async (request, reply) => {
        const details = await provider.interactionDetails(request.raw, reply.raw);
        const { uid } = request.params as Static<typeof Params>;
        if (details.uid !== uid || details.prompt.name !== 'consent' || !details.session)
          return reply.code(400).send();
        const accountId = details.session.accountId;
        const clientId = String(details.params.client_id);
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId, clientId });
        if (!grant) return reply.code(400).send();
        const missing = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
        };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        await deps.audit.record({
          actor: { kind: 'citizen', id: accountId },
          action: 'identity.consent.granted',
          subject: { kind: 'client', id: clientId },
          outcome: 'success',
          origin: originOf(request),
          details: { scopes: missing.missingOIDCScope ?? [] },
        });
        const redirectTo = await provider.interactionResult(
          request.raw,
          reply.raw,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        return reply.redirect(redirectTo, 303);
      },
    );
  });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — Jokko</title></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid: string, clientName: string, error?: string): string {
  return page(
    'Connexion',
    `<h1>Se connecter avec Jokko</h1><p>${clientName} demande votre identité numérique.</p>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="nin">NIN</label><input id="nin" name="nin" inputmode="numeric" autocomplete="username" required>
<label for="password">Mot de passe</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Se connecter</button></form>`,
  );
}

function consentPage(uid: string, clientName: string, scopes: string[]): string {
  const items = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return page(
    'Autorisation',
    `<h1>Autoriser ${clientName}</h1><p>${clientName} pourra lire :</p><ul>${items || '<li>votre identifiant</li>'}</ul>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Autoriser</button></form>`,
  );
}
