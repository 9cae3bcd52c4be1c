import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from 'oidc-provider';
import { type Static, Type } from 'typebox';
import type { Actor } from '../../platform/actor.ts';
import { forbidden, notFound, Problem } from '../../platform/http/problems.ts';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import type { RateLimiter } from '../../platform/rate-limit.ts';
import { getPerson, listMyRecords } from '../registries/index.ts';
import { changePassword, type PasswordChange } from './accounts.ts';
import {
  assuranceOf,
  confirmTotp,
  finishPasskeyAuthentication,
  finishPasskeyRegistration,
  listFactors,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  removeFactor,
  startTotpEnrolment,
} from './factors.ts';
import type { OidcDeps, OidcRuntime } from './oidc/provider.ts';
import { loginIpRule } from './oidc/routes.ts';
import { passwordLength } from './passwords.ts';
import {
  endOtherSessions,
  endSession,
  listSessions,
  rememberSessionDevices,
  sessionOfAccessToken,
} from './sessions.ts';

/** The super-app's client id: approvals and factor changes are only taken from it. */
export const superAppClientId = 'jokko-app';

const requireCitizen = (request: FastifyRequest): Actor & { nin: string } => {
  const actor = requireActor(request);
  if (actor.kind !== 'citizen' || !actor.nin)
    throw forbidden('this route is for citizens signed in to Jokko');
  return actor as Actor & { nin: string };
};

/**
 * A citizen acting through the Jokko app itself: what decides on their data, factors and approvals
 * is taken from no other client. Every module's citizen-in-the-app routes call this one check.
 */
export const requireCitizenInApp = (
  request: FastifyRequest,
  detail = 'this is done from the Jokko app only',
): Actor & { nin: string } => {
  const actor = requireCitizen(request);
  if (actor.clientId !== superAppClientId) throw forbidden(detail);
  return actor;
};
const requireSuperApp = (request: FastifyRequest) => requireCitizenInApp(request);

const passwordPolicyInWords = `At least ${passwordLength.min} and at most ${passwordLength.max} characters; not a common password; not containing the NIN; not the current password`;

/** Why a new password was refused, as a problem whose `reason` the app words in the citizen's language. */
function passwordChangeRefused(reason: Exclude<PasswordChange, { ok: true }>['reason']): Problem {
  if (reason === 'invalid')
    return new Problem('forbidden', 'the current password is wrong', { reason: 'wrong-current-password' });
  if (reason === 'locked')
    return new Problem('forbidden', 'too many wrong passwords: the account is locked for a while', {
      reason: 'locked',
    });
  const detail = {
    'too-short': `the new password is too short: at least ${passwordLength.min} characters`,
    'too-long': `the new password is too long: ${passwordLength.max} characters at most`,
    common: 'the new password is too common',
    'contains-nin': 'the new password must not contain the NIN',
    unchanged: 'the new password is the current one',
  }[reason];
  return new Problem('form-invalid', detail, {
    reason,
    errors: [{ in: 'body', pointer: '/newPassword', detail }],
  });
}

const Factor = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('totp'), Type.Literal('passkey')]),
  name: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
const Approval = Type.Object({
  id: Type.String(),
  client: Type.Object({ id: Type.String(), name: Type.String() }),
  bindingMessage: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.String(),
});
const Id = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) });
const Decision = Type.Object({
  decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]),
  response: Type.Optional(
    Type.Object({ id: Type.String({ maxLength: 1024 }) }, { additionalProperties: true }),
  ),
});

/**
 * The signed-in citizen's own identity: their record, their factors, and the "approve on your
 * phone" requests (CIBA) that banks and counters started for them.
 */
export async function meRoutes(
  app: FastifyInstance,
  opts: { deps: OidcDeps; runtime: OidcRuntime; limiter: RateLimiter },
): Promise<void> {
  const { deps, limiter } = opts;
  const { provider } = opts.runtime;
  const citizenRoute = (summary: string, schema: object = {}) => ({
    config: { access: 'authenticated', audience: ['citizen'] } as const,
    schema: { tags: ['me'], summary, security: [{ bearer: [] }], ...schema },
  });

  const WebAuthnOptions = Type.Object(
    { challenge: Type.String() },
    { additionalProperties: true, description: 'WebAuthn options JSON for @simplewebauthn/browser' },
  );
  const Me = Type.Object({
    accountId: Type.String(),
    nin: Type.String(),
    person: Type.Object({ nin: Type.String() }, { additionalProperties: true }),
    factors: Type.Array(Factor),
  });

  app.get(
    '/me',
    citizenRoute('My identity and my record in the population register', { response: { 200: Me } }),
    async (request) => {
      const actor = requireCitizen(request);
      const person = await getPerson(deps, actor, actor.nin, originOf(request));
      return {
        accountId: actor.id,
        nin: actor.nin,
        person,
        factors: await listFactors(deps.database, actor.id),
      };
    },
  );

  app.get(
    '/me/records',
    citizenRoute('Everything the registries hold about me, by registry and owning administration', {
      response: {
        200: Type.Object({
          items: Type.Array(
            Type.Object({
              registry: Type.String(),
              owner: Type.Object({ identifier: Type.String(), name: Type.String() }),
              records: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            }),
          ),
        }),
      },
    }),
    async (request) => {
      const actor = requireSuperApp(request);
      return { items: await listMyRecords(deps, actor, actor.nin, originOf(request)) };
    },
  );

  app.get(
    '/me/factors',
    citizenRoute('My second factors', { response: { 200: Type.Array(Factor) } }),
    async (request) => listFactors(deps.database, requireCitizen(request).id),
  );

  app.delete(
    '/me/factors/:id',
    citizenRoute('Remove one of my second factors (never the last one)', {
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 204: Type.Null() },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      const outcome = await removeFactor(
        deps,
        actor.id,
        (request.params as { id: string }).id,
        originOf(request),
      );
      if (outcome === 'not-found') throw notFound('no such factor on your account');
      if (outcome === 'last-factor')
        throw new Problem('conflict', 'add another factor before removing your last one');
      return reply.code(204).send();
    },
  );

  const ConnectedApp = Type.Object({
    id: Type.String(),
    client: Type.Object({ id: Type.String(), name: Type.String() }),
    scopes: Type.Array(Type.String()),
    grantedAt: Type.Union([Type.String(), Type.Null()]),
  });

  async function grantsOf(accountId: string, id?: string) {
    const rows = await deps.database.query<{ id: string; payload: Record<string, unknown> }>(
      `SELECT id, payload FROM oidc_payloads
        WHERE model = 'Grant' AND payload->>'accountId' = $1 AND payload->>'clientId' <> $2
          AND (expires_at IS NULL OR expires_at > now()) ${id ? 'AND id = $3' : ''}
        ORDER BY id`,
      id ? [accountId, superAppClientId, id] : [accountId, superAppClientId],
    );
    return Promise.all(
      rows.map(async (row) => {
        const clientId = String(row.payload.clientId);
        const client = await provider.Client.find(clientId);
        const openid = (row.payload.openid ?? {}) as { scope?: string };
        return {
          id: row.id,
          client: { id: clientId, name: String(client?.clientName ?? clientId) },
          scopes: String(openid.scope ?? '')
            .split(' ')
            .filter(Boolean),
          grantedAt:
            typeof row.payload.iat === 'number' ? new Date(row.payload.iat * 1000).toISOString() : null,
        };
      }),
    );
  }

  app.get(
    '/me/connected-apps',
    citizenRoute('The services I let sign me in with my national identity (banks, administrations)', {
      response: { 200: Type.Object({ items: Type.Array(ConnectedApp) }) },
    }),
    async (request) => ({ items: await grantsOf(requireSuperApp(request).id) }),
  );

  app.delete(
    '/me/connected-apps/:id',
    citizenRoute("Withdraw a service's access: its tokens stop working at once", {
      params: Id,
      response: { 204: Type.Null() },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      const { id } = request.params as Static<typeof Id>;
      const [app] = await grantsOf(actor.id, id);
      // Someone else's grant is as absent as an unknown one.
      if (!app) throw notFound('no such connected service');
      await provider.AccessToken.revokeByGrantId(id);
      await (await provider.Grant.find(id))?.destroy();
      await deps.audit.record({
        actor,
        action: 'identity.grant.revoked',
        subject: { kind: 'account', id: actor.id },
        outcome: 'success',
        origin: originOf(request),
        details: { clientId: app.client.id },
      });
      return reply.code(204).send();
    },
  );

  rememberSessionDevices(provider);
  const SessionInfo = Type.Object({
    id: Type.String(),
    startedAt: Type.String(),
    lastUsedAt: Type.Union([Type.String(), Type.Null()]),
    clients: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    device: Type.Union([
      Type.Object({
        browser: Type.Union([Type.String(), Type.Null()]),
        os: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
    current: Type.Boolean({ description: "The session this request's token was issued in" }),
  });
  const currentSession = (request: FastifyRequest) => {
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return bearer ? sessionOfAccessToken(provider, bearer) : Promise.resolve(undefined);
  };

  app.get(
    '/me/sessions',
    citizenRoute('My open sign-in sessions: when, on which device, for which apps', {
      response: { 200: Type.Object({ items: Type.Array(SessionInfo) }) },
    }),
    async (request) => {
      const actor = requireSuperApp(request);
      return {
        items: await listSessions(provider, deps.database, actor.id, await currentSession(request)),
      };
    },
  );

  app.delete(
    '/me/sessions/:id',
    citizenRoute('Sign out one of my sessions: its grants and tokens stop working at once', {
      params: Id,
      response: { 204: Type.Null() },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      const { id } = request.params as Static<typeof Id>;
      // Someone else's session is as absent as an unknown one.
      const ended = await endSession(provider, deps.database, actor.id, id);
      if (!ended) throw notFound('no such session of yours');
      await deps.audit.record({
        actor,
        action: 'identity.session.ended',
        subject: { kind: 'account', id: actor.id },
        outcome: 'success',
        origin: originOf(request),
        details: { sessionUid: id, clientIds: ended.clientIds },
      });
      return reply.code(204).send();
    },
  );

  app.post(
    '/me/sessions/sign-out-others',
    citizenRoute('Sign out all my sessions but the one this request comes from', {
      response: { 200: Type.Object({ ended: Type.Integer() }) },
    }),
    async (request) => {
      const actor = requireSuperApp(request);
      const keep = await currentSession(request);
      const ended = await endOtherSessions(provider, deps.database, actor.id, keep);
      await deps.audit.record({
        actor,
        action: 'identity.session.ended-others',
        subject: { kind: 'account', id: actor.id },
        outcome: 'success',
        origin: originOf(request),
        details: { kept: keep ?? null, ended },
      });
      return { ended };
    },
  );

  const PasswordChangeBody = Type.Object(
    {
      currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
      newPassword: Type.String({ minLength: 1, maxLength: 256, description: passwordPolicyInWords }),
    },
    { additionalProperties: false },
  );
  app.post(
    '/me/password',
    citizenRoute('Change my password: my other sign-in sessions end, this one stays', {
      body: PasswordChangeBody,
      response: { 204: Type.Null() },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      const body = request.body as Static<typeof PasswordChangeBody>;
      const record = (outcome: 'success' | 'denied' | 'failure', details: Record<string, unknown>) =>
        deps.audit.record({
          actor,
          action: 'identity.password.changed',
          subject: { kind: 'account', id: actor.id },
          outcome,
          origin: originOf(request),
          details,
        });
      // Wrong current passwords share sign-in's per-address budget and the account's lock-out.
      const limit = await limiter.peek(loginIpRule, request.ip);
      if (!limit.allowed) {
        await record('denied', { reason: 'rate-limited' });
        reply.header('retry-after', String(limit.retryAfterSeconds));
        throw new Problem('rate-limited', `Too many wrong passwords; retry in ${limit.retryAfterSeconds} s`);
      }
      const result = await changePassword(
        deps.database,
        actor,
        body.currentPassword,
        body.newPassword,
        new Date(),
      );
      if (!result.ok) {
        const wrongCurrent = result.reason === 'invalid' || result.reason === 'locked';
        if (wrongCurrent) await limiter.hit(loginIpRule, request.ip);
        await record(wrongCurrent ? 'denied' : 'failure', { reason: result.reason });
        throw passwordChangeRefused(result.reason);
      }
      const keep = await currentSession(request);
      const ended = await endOtherSessions(provider, deps.database, actor.id, keep);
      await record('success', { kept: keep ?? null, endedSessions: ended });
      return reply.code(204).send();
    },
  );

  app.post(
    '/me/totp',
    citizenRoute('Start adding an authenticator app (only while the account has no second factor)', {
      response: {
        201: Type.Object({
          factorId: Type.String(),
          secret: Type.String({ description: 'Base32, for typing into the app' }),
          uri: Type.String({ description: 'otpauth:// URI' }),
          qrSvg: Type.String({ description: 'The URI as an SVG QR code' }),
        }),
      },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      // A session opened with the password alone must not replace a factor the citizen has: the
      // first one is added here, the others through a session that used one (not built yet).
      if ((await listFactors(deps.database, actor.id)).length)
        throw new Problem('conflict', 'the account already has a second factor');
      return reply.code(201).send(await startTotpEnrolment(deps, actor.id, actor.nin));
    },
  );

  app.post(
    '/me/totp/:id/confirm',
    citizenRoute('Finish adding an authenticator app with a first code from it', {
      params: Id,
      body: Type.Object({ code: Type.String({ minLength: 6, maxLength: 8 }) }),
      response: { 204: Type.Null() },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      const ok = await confirmTotp(
        deps,
        actor.id,
        (request.params as Static<typeof Id>).id,
        (request.body as { code: string }).code,
        originOf(request),
      );
      if (!ok) throw new Problem('bad-request', 'the code is wrong or expired; try the next one');
      return reply.code(204).send();
    },
  );

  app.post(
    '/me/passkeys/options',
    citizenRoute('Start adding a passkey', { response: { 200: WebAuthnOptions } }),
    async (request) => {
      const actor = requireSuperApp(request);
      const person = await getPerson(deps, actor, actor.nin);
      return passkeyRegistrationOptions(deps, {
        id: actor.id,
        nin: actor.nin,
        displayName: `${person.givenNames} ${person.familyName}`,
      });
    },
  );

  app.post(
    '/me/passkeys',
    citizenRoute('Finish adding a passkey', {
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 60 }),
        response: Type.Object({ id: Type.String({ maxLength: 1024 }) }, { additionalProperties: true }),
      }),
      response: { 201: Type.Object({ id: Type.String() }) },
    }),
    async (request, reply) => {
      const actor = requireSuperApp(request);
      const body = request.body as { name: string; response: RegistrationResponseJSON };
      const added = await finishPasskeyRegistration(
        deps,
        actor.id,
        body.name,
        body.response,
        originOf(request),
      );
      if (!added) throw new Problem('bad-request', 'the passkey could not be verified');
      return reply.code(201).send({ id: added.factorId });
    },
  );

  async function pendingFor(accountId: string, id?: string) {
    const rows = await deps.database.query<{
      id: string;
      payload: Record<string, unknown>;
      expires_at: Date;
    }>(
      `SELECT id, payload, expires_at FROM oidc_payloads
        WHERE model = 'BackchannelAuthenticationRequest' AND payload->>'accountId' = $1
          AND payload->>'grantId' IS NULL AND payload->>'error' IS NULL AND consumed_at IS NULL
          AND expires_at > now() ${id ? 'AND id = $2' : ''}
        ORDER BY expires_at`,
      id ? [accountId, id] : [accountId],
    );
    return Promise.all(
      rows.map(async (row) => {
        const params = (row.payload.params ?? {}) as Record<string, string>;
        const clientId = String(row.payload.clientId);
        const client = await provider.Client.find(clientId);
        return {
          id: row.id,
          client: { id: clientId, name: String(client?.clientName ?? clientId) },
          bindingMessage: String(params.binding_message ?? ''),
          scopes: String(row.payload.scope ?? params.scope ?? '')
            .split(' ')
            .filter(Boolean),
          expiresAt: new Date(row.expires_at).toISOString(),
        };
      }),
    );
  }

  app.get(
    '/me/approvals',
    citizenRoute('Sign-in requests waiting for my approval ("approve on your phone")', {
      response: { 200: Type.Array(Approval) },
    }),
    async (request) => pendingFor(requireSuperApp(request).id),
  );

  app.post(
    '/me/approvals/:id/options',
    citizenRoute('The passkey challenge that approving this request needs', {
      params: Id,
      response: { 200: WebAuthnOptions },
    }),
    async (request) => {
      const actor = requireSuperApp(request);
      const [pending] = await pendingFor(actor.id, (request.params as Static<typeof Id>).id);
      if (!pending) throw notFound('no such request waiting for you');
      return passkeyAuthenticationOptions(deps, actor.id);
    },
  );

  app.post(
    '/me/approvals/:id',
    citizenRoute('Approve (with a passkey) or deny a sign-in request', {
      params: Id,
      body: Decision,
      response: {
        200: Type.Object({
          status: Type.Union([Type.Literal('approved'), Type.Literal('denied')]),
          acr: Type.Optional(Type.String()),
        }),
      },
    }),
    async (request) => {
      const actor = requireSuperApp(request);
      const { id } = request.params as Static<typeof Id>;
      const body = request.body as Static<typeof Decision>;
      // Someone else's request is as absent as an unknown one.
      const [pending] = await pendingFor(actor.id, id);
      if (!pending) throw notFound('no such request waiting for you');
      const record = (outcome: 'success' | 'denied', details: Record<string, unknown>) =>
        deps.audit.record({
          actor,
          action: `identity.ciba.${body.decision === 'approve' ? 'approved' : 'denied'}`,
          subject: { kind: 'client', id: pending.client.id },
          outcome,
          origin: originOf(request),
          details: { requestId: id, ...details },
        });
      if (body.decision === 'deny') {
        await provider.backchannelResult(id, new errors.AccessDenied('the citizen denied the request'));
        await record('success', {});
        return { status: 'denied' };
      }
      if (!body.response)
        throw new Problem('bad-request', 'approving needs a passkey assertion in `response`');
      const proof = await finishPasskeyAuthentication(
        deps,
        body.response as AuthenticationResponseJSON,
        actor.id,
      );
      if (!proof) {
        await record('denied', { reason: 'passkey' });
        throw forbidden('the passkey assertion was not accepted');
      }
      const grant = new provider.Grant({ accountId: actor.id, clientId: pending.client.id });
      grant.addOIDCScope(pending.scopes.join(' '));
      await grant.save();
      const amr = ['hwk', ...(proof.userVerified ? ['mfa'] : [])];
      const acr = assuranceOf(amr, proof.userVerified);
      await provider.backchannelResult(id, grant, { acr, amr, authTime: Math.floor(Date.now() / 1000) });
      await record('success', { acr });
      return { status: 'approved', acr };
    },
  );
}
