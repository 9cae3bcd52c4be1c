import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Problem } from '../../platform/http/problems.ts';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import type { RateLimiter, RateLimitRule } from '../../platform/rate-limit.ts';
import {
  applyAsPartner,
  collectCredentials,
  decideApplication,
  getApplication,
  listApplications,
  type PartnerDeps,
} from './partners.ts';

/** Applications are public: twenty tries per address and hour is plenty for an honest company. */
export const applicationIpRule: RateLimitRule = {
  name: 'partner-applications-ip',
  limit: 20,
  windowSeconds: 3600,
};

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Environment = Type.Union([Type.Literal('production'), Type.Literal('sandbox')]);
const Contact = Type.Object({
  name: Type.String({ minLength: 2, maxLength: 200 }),
  email: Type.String({ format: 'email', maxLength: 254 }),
  phone: Type.Optional(Type.String({ pattern: '^\\+[0-9]{6,15}$' })),
});
const Key = Type.Object({
  keyid: Type.String({ minLength: 1, maxLength: 100 }),
  alg: Type.Union([Type.Literal('ed25519'), Type.Literal('ecdsa-p256-sha256')]),
  publicKeyJwk: Type.Record(Type.String({ maxLength: 16 }), Type.String({ maxLength: 200 }), {
    description: 'The public key (JWK); a private key is refused',
  }),
});
const Application = Type.Object({
  id: Type.String(),
  organisation: Type.String(),
  legalName: Type.String(),
  registeredName: Type.Union([Type.String(), Type.Null()]),
  contact: Contact,
  purpose: Type.String(),
  services: Type.Array(Type.String()),
  subsystemCode: Type.String(),
  redirectUris: Type.Array(Type.String()),
  environment: Environment,
  status: Type.String(),
  createdAt: Type.String(),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  oidcClientId: Type.Union([Type.String(), Type.Null()]),
  bridgeClient: Type.Union([Type.String(), Type.Null()]),
  subsystemId: Type.Union([Type.String(), Type.Null()]),
  credentialsIssued: Type.Boolean(),
});
const TokenHeader = Type.Object({
  'x-application-token': Type.Optional(
    Type.String({ maxLength: 100, description: 'The token given at application' }),
  ),
});

const tokenOf = (request: FastifyRequest) => {
  const value = request.headers['x-application-token'];
  return typeof value === 'string' ? value : undefined;
};

export async function partnerRoutes(
  instance: FastifyInstance,
  opts: { deps: PartnerDeps; limiter: RateLimiter },
): Promise<void> {
  const { deps, limiter } = opts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['partners'];

  app.post(
    '/partners/applications',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary:
          'A company (bank, insurer, startup) applies to use the Digital Bridge and "Log in with Jokko"; keep the token',
        operationId: 'applyAsPartner',
        security: [],
        body: Type.Object({
          organisation: Type.String({
            minLength: 1,
            maxLength: 64,
            description: 'Identifier in the organisations registry',
          }),
          legalName: Type.String({ minLength: 2, maxLength: 200 }),
          contact: Contact,
          purpose: Type.String({ minLength: 20, maxLength: 2000 }),
          services: Type.Array(Type.String({ maxLength: 300 }), { minItems: 1, maxItems: 30 }),
          subsystemCode: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' }),
          keys: Type.Array(Key, { minItems: 1, maxItems: 3 }),
          redirectUris: Type.Array(Type.String({ maxLength: 500 }), { minItems: 1, maxItems: 5 }),
          environment: Type.Optional(Environment),
        }),
        response: {
          201: Type.Object({
            application: Application,
            token: Type.String({
              description: 'Shown once: follow the application and collect the credentials with it',
            }),
          }),
        },
      },
    },
    async (request, reply) => {
      const limit = await limiter.hit(applicationIpRule, request.ip);
      if (!limit.allowed) {
        reply.header('retry-after', String(limit.retryAfterSeconds));
        throw new Problem('rate-limited', `Too many applications; retry in ${limit.retryAfterSeconds} s`);
      }
      return reply.code(201).send(await applyAsPartner(deps, request.body, originOf(request)));
    },
  );

  app.get(
    '/partners/applications',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['partners:admin'] },
      schema: {
        tags,
        summary: 'Applications to review (operators)',
        operationId: 'listPartnerApplications',
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
          ),
        }),
        response: { 200: Type.Object({ items: Type.Array(Application) }) },
      },
    },
    async (request) => ({ items: await listApplications(deps, requireActor(request), request.query.status) }),
  );

  app.get(
    '/partners/applications/:id',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'One application: for operators, or for the applicant with its token',
        operationId: 'getPartnerApplication',
        params: Id,
        headers: TokenHeader,
        response: { 200: Application },
      },
    },
    async (request) =>
      getApplication(deps, request.params.id, {
        ...(request.actor ? { actor: request.actor } : {}),
        ...(tokenOf(request) ? { token: tokenOf(request) } : {}),
      }),
  );

  app.post(
    '/partners/applications/:id/decision',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['partners:admin'] },
      schema: {
        tags,
        summary:
          'Approve (bridge membership, keys, rights, OpenID Connect client) or reject an application (operators)',
        operationId: 'decidePartnerApplication',
        params: Id,
        body: Type.Object({
          decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
          reason: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })),
          environment: Type.Optional(Environment),
        }),
        response: { 200: Application },
      },
    },
    async (request) =>
      decideApplication(deps, requireActor(request), request.params.id, request.body, originOf(request)),
  );

  app.post(
    '/partners/applications/:id/credentials',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary:
          'The approved applicant collects its API key and OpenID Connect client secret, once (with its token)',
        operationId: 'collectPartnerCredentials',
        security: [],
        params: Id,
        headers: TokenHeader,
        response: {
          200: Type.Object({
            apiKey: Type.String(),
            oidc: Type.Object({
              issuer: Type.String(),
              clientId: Type.String(),
              clientSecret: Type.String(),
              redirectUris: Type.Array(Type.String()),
            }),
            bridge: Type.Object({
              client: Type.String(),
              subsystemId: Type.String(),
              keyids: Type.Array(Type.String()),
              environment: Environment,
            }),
          }),
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return collectCredentials(deps, request.params.id, tokenOf(request), originOf(request));
    },
  );
}
