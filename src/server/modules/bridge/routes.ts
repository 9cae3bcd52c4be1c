import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Problem } from '../../platform/http/problems.ts';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import {
  addSubsystem,
  allowedMethods,
  type CatalogueDeps,
  createGroup,
  decideMembership,
  getMember,
  getServiceOpenApi,
  grantAccessRight,
  listAccessRights,
  listClients,
  listGroups,
  listMembers,
  listServices,
  probeService,
  registerKey,
  registerService,
  requestMembership,
  revokeAccessRight,
  serviceStatistics,
  setEndpointEnabled,
  setGroupMember,
} from './catalogue.ts';
import {
  decideSubscription,
  listEventTypes,
  listSubscriptions,
  registerEventType,
  requestSubscription,
} from './events.ts';
import { exportMessageLog } from './log-export.ts';
import { publishedBridgeKeys } from './signing.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Jwk = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A public JWK: OKP Ed25519 or EC P-256',
});
const KeyInput = Type.Object({
  keyid: Type.String({ minLength: 1, maxLength: 100 }),
  alg: Type.Union([Type.Literal('ed25519'), Type.Literal('ecdsa-p256-sha256')]),
  publicKeyJwk: Jwk,
});
const Key = Type.Object({
  keyid: Type.String(),
  alg: Type.String(),
  createdAt: Type.String(),
  notAfter: Nullable(Type.String()),
});
const Member = Type.Object(
  {
    id: Type.String(),
    memberId: Type.String({ description: 'INSTANCE/CLASS/MEMBER' }),
    organisationId: Type.String(),
    organisation: Type.String(),
    status: Type.String(),
    environment: Type.String(),
    statusReason: Nullable(Type.String()),
    requestedAt: Type.String(),
    decidedAt: Nullable(Type.String()),
    subsystems: Type.Array(
      Type.Object({
        id: Type.String(),
        clientId: Type.String(),
        code: Type.String(),
        status: Type.String(),
        keys: Type.Array(Key),
      }),
    ),
  },
  { $id: 'BridgeMember' },
);
const MemberRef = Type.Ref('BridgeMember');
const Endpoint = Type.Object({
  id: Type.String(),
  method: Type.String(),
  path: Type.String(),
  enabled: Type.Boolean(),
});
const Service = Type.Object(
  {
    id: Type.String(),
    serviceId: Type.String(),
    title: Type.String(),
    provider: Type.String(),
    personalData: Type.Boolean(),
    enabled: Type.Boolean(),
    environment: Type.String(),
    timeoutMs: Type.Integer(),
    endpoints: Type.Array(Endpoint),
  },
  { $id: 'BridgeService' },
);
const ServiceRef = Type.Ref('BridgeService');
const Right = Type.Object(
  {
    id: Type.String(),
    service: Type.String(),
    endpoint: Type.Union([Type.Object({ method: Type.String(), path: Type.String() }), Type.Null()]),
    client: Nullable(Type.String()),
    group: Nullable(Type.String()),
    legalBasis: Nullable(Type.String()),
    ratePerSecond: Type.Union([Type.Integer(), Type.Null()]),
    quotaPerDay: Type.Union([Type.Integer(), Type.Null()]),
    grantedAt: Type.String(),
  },
  { $id: 'BridgeRight' },
);
const RightRef = Type.Ref('BridgeRight');
const EndpointRef = Type.Object({
  method: Type.String({ pattern: '^[A-Za-z]{3,7}$' }),
  path: Type.String({ minLength: 1, maxLength: 500 }),
});

/** Members, services, rights and discovery: the operator and member side of the Digital Bridge. */
export async function bridgeRoutes(instance: FastifyInstance, opts: { deps: CatalogueDeps }): Promise<void> {
  const { deps } = opts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  // An organisation's integration key manages its own membership; operators run the whole bridge.
  const common = {
    config: {
      access: 'authenticated',
      audience: ['partner', 'operator', 'system'],
      roles: ['bridge:member', 'bridge:admin'],
    },
  } as const;
  const catalogue = {
    config: {
      access: 'authenticated',
      audience: ['partner', 'operator', 'system'],
      roles: ['bridge:member', 'bridge:read', 'bridge:admin'],
    },
  } as const;
  const admin = {
    config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['bridge:admin'] },
  } as const;
  const tags = ['bridge'];
  app.addSchema(Member);
  app.addSchema(Service);
  app.addSchema(Right);

  app.post(
    '/bridge/members',
    {
      ...common,
      schema: {
        tags,
        summary: "Ask to join the bridge: the organisation's subsystems with their public signing keys",
        operationId: 'requestMembership',
        body: Type.Object({
          organisation: Type.String({
            minLength: 1,
            maxLength: 64,
            description: 'Identifier (e.g. DGID) or id',
          }),
          subsystems: Type.Array(
            Type.Object({
              code: Type.String({ minLength: 1, maxLength: 64 }),
              keys: Type.Array(KeyInput, { maxItems: 5 }),
            }),
            { minItems: 1, maxItems: 20 },
          ),
          environment: Type.Optional(Type.Union([Type.Literal('production'), Type.Literal('sandbox')])),
        }),
        response: { 201: MemberRef },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await requestMembership(deps, requireActor(request), request.body, originOf(request))),
  );

  app.get(
    '/bridge/members',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Members and pending requests (operators)',
        operationId: 'listMembers',
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([
              Type.Literal('pending'),
              Type.Literal('active'),
              Type.Literal('suspended'),
              Type.Literal('rejected'),
            ]),
          ),
        }),
        response: { 200: Type.Object({ items: Type.Array(MemberRef) }) },
      },
    },
    async (request) => ({ items: await listMembers(deps, requireActor(request), request.query.status) }),
  );

  app.get(
    '/bridge/members/:id',
    {
      ...common,
      schema: {
        tags,
        summary: 'One membership',
        operationId: 'getMember',
        params: Id,
        response: { 200: MemberRef },
      },
    },
    async (request) => getMember(deps, requireActor(request), request.params.id),
  );

  app.post(
    '/bridge/members/:id/decision',
    {
      ...admin,
      schema: {
        tags,
        summary:
          'Approve, reject, suspend or reactivate a member (operators); enforced by every node within a second',
        operationId: 'decideMembership',
        params: Id,
        body: Type.Object({
          decision: Type.Union([
            Type.Literal('approve'),
            Type.Literal('reject'),
            Type.Literal('suspend'),
            Type.Literal('reactivate'),
            Type.Literal('promote'),
          ]),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: { 200: MemberRef },
      },
    },
    async (request) =>
      decideMembership(
        deps,
        requireActor(request),
        request.params.id,
        request.body.decision,
        request.body.reason,
        originOf(request),
      ),
  );

  app.post(
    '/bridge/members/:id/subsystems',
    {
      ...common,
      schema: {
        tags,
        summary: 'Add a subsystem (another application of the member) with its public keys',
        operationId: 'addSubsystem',
        params: Id,
        body: Type.Object({
          code: Type.String({ minLength: 1, maxLength: 64 }),
          keys: Type.Array(KeyInput, { minItems: 1, maxItems: 5 }),
        }),
        response: { 201: MemberRef },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await addSubsystem(deps, requireActor(request), request.params.id, request.body, originOf(request)),
        ),
  );

  app.post(
    '/bridge/subsystems/:id/keys',
    {
      ...common,
      schema: {
        tags,
        summary: 'Register a signing key; with `replaces`, the old key keeps working for the overlap',
        operationId: 'registerSubsystemKey',
        params: Id,
        body: Type.Intersect([
          KeyInput,
          Type.Object({
            replaces: Type.Optional(Type.String({ maxLength: 100 })),
            overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })),
          }),
        ]),
        response: { 201: Type.Object({ keys: Type.Array(Key) }) },
      },
    },
    async (request, reply) =>
      reply.code(201).send({
        keys: await registerKey(
          deps,
          requireActor(request),
          request.params.id,
          request.body,
          originOf(request),
        ),
      }),
  );

  app.get(
    '/bridge/subsystems/:id/rights',
    {
      ...common,
      schema: {
        tags,
        summary: "Access rights on this subsystem's services (granted) and to other services (held)",
        operationId: 'listAccessRights',
        params: Id,
        response: { 200: Type.Object({ granted: Type.Array(RightRef), held: Type.Array(RightRef) }) },
      },
    },
    async (request) => listAccessRights(deps, requireActor(request), request.params.id),
  );

  app.get(
    '/bridge/subsystems/:id/allowed-methods',
    {
      ...common,
      schema: {
        tags,
        summary: 'allowedMethods: every endpoint this subsystem may call now',
        operationId: 'allowedMethods',
        params: Id,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ service: Type.String(), method: Type.String(), path: Type.String() }),
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await allowedMethods(deps, requireActor(request), request.params.id) }),
  );

  app.get(
    '/bridge/clients',
    {
      ...catalogue,
      schema: {
        tags,
        summary: 'listClients: every active subsystem',
        operationId: 'listClients',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ id: Type.String(), clientId: Type.String(), organisation: Type.String() }),
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await listClients(deps, requireActor(request)) }),
  );

  app.post(
    '/bridge/services',
    {
      ...common,
      schema: {
        tags,
        summary:
          'Publish a service: its OpenAPI 3 description, backend URL and whether it carries personal data',
        operationId: 'registerService',
        body: Type.Object({
          subsystemId: Type.String({ format: 'uuid' }),
          code: Type.String({ minLength: 1, maxLength: 64 }),
          version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          title: Type.String({ minLength: 1, maxLength: 200 }),
          openapi: Type.Record(Type.String(), Type.Unknown()),
          backendUrl: Type.String({ minLength: 8, maxLength: 500 }),
          backendToken: Type.Optional(
            Type.String({
              minLength: 16,
              maxLength: 500,
              description:
                'Sent to the backend as a bearer token so it accepts only the bridge; never returned',
            }),
          ),
          personalData: Type.Boolean(),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
          environment: Type.Optional(Type.Union([Type.Literal('production'), Type.Literal('sandbox')])),
        }),
        response: { 201: ServiceRef },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await registerService(deps, requireActor(request), request.body, originOf(request))),
  );

  app.get(
    '/bridge/services',
    {
      ...catalogue,
      schema: {
        tags,
        summary: 'The catalogue: every service of an active member (listMethods)',
        operationId: 'listServices',
        response: { 200: Type.Object({ items: Type.Array(ServiceRef) }) },
      },
    },
    async (request) => ({ items: await listServices(deps, requireActor(request)) }),
  );

  app.get(
    '/bridge/services/:id/openapi',
    {
      ...catalogue,
      schema: {
        tags,
        summary: "getOpenAPI: the service's OpenAPI description",
        operationId: 'getServiceOpenApi',
        params: Id,
        response: { 200: Type.Record(Type.String(), Type.Unknown()) },
      },
    },
    async (request) =>
      (await getServiceOpenApi(deps, requireActor(request), request.params.id)) as Record<string, unknown>,
  );

  app.get(
    '/bridge/services/:id/health',
    {
      ...common,
      schema: {
        tags,
        summary: "Probe a service's backend now and summarise its last 15 minutes (provider and operators)",
        operationId: 'probeService',
        params: Id,
        response: {
          200: Type.Object({
            service: Type.String(),
            checkedAt: Type.String(),
            probe: Type.Object({
              reachable: Type.Boolean(),
              status: Type.Union([Type.Integer(), Type.Null()]),
              latencyMs: Type.Integer(),
              error: Type.Optional(Type.String()),
            }),
            last15Minutes: Type.Object({
              calls: Type.Integer(),
              providerErrors: Type.Integer(),
              lastSuccessAt: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
    },
    async (request) => probeService(deps, requireActor(request), request.params.id),
  );

  app.patch(
    '/bridge/services/:id/endpoints',
    {
      ...common,
      schema: {
        tags,
        summary: 'Enable or disable one endpoint of a service',
        operationId: 'setEndpointEnabled',
        params: Id,
        body: Type.Intersect([EndpointRef, Type.Object({ enabled: Type.Boolean() })]),
        response: { 200: ServiceRef },
      },
    },
    async (request) =>
      setEndpointEnabled(deps, requireActor(request), request.params.id, request.body, originOf(request)),
  );

  const Group = Type.Object({
    id: Type.String(),
    code: Type.String(),
    description: Type.String(),
    members: Type.Array(Type.String()),
  });
  app.post(
    '/bridge/groups',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create a group of subsystems that rights can name (operators)',
        operationId: 'createGroup',
        body: Type.Object({
          code: Type.String({ minLength: 1, maxLength: 64 }),
          description: Type.String({ minLength: 1, maxLength: 300 }),
        }),
        response: { 201: Group },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createGroup(deps, requireActor(request), request.body, originOf(request))),
  );
  app.get(
    '/bridge/groups',
    {
      ...catalogue,
      schema: {
        tags,
        summary: 'Groups of subsystems and their members',
        operationId: 'listGroups',
        response: { 200: Type.Object({ items: Type.Array(Group) }) },
      },
    },
    async (request) => ({ items: await listGroups(deps, requireActor(request)) }),
  );
  app.put(
    '/bridge/groups/:id/members/:subsystemId',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Add a subsystem to a group (operators)',
        operationId: 'addGroupMember',
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          subsystemId: Type.String({ format: 'uuid' }),
        }),
        response: { 200: Group },
      },
    },
    async (request) =>
      setGroupMember(
        deps,
        requireActor(request),
        request.params.id,
        request.params.subsystemId,
        true,
        originOf(request),
      ),
  );
  app.delete(
    '/bridge/groups/:id/members/:subsystemId',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Remove a subsystem from a group (operators)',
        operationId: 'removeGroupMember',
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          subsystemId: Type.String({ format: 'uuid' }),
        }),
        response: { 200: Group },
      },
    },
    async (request) =>
      setGroupMember(
        deps,
        requireActor(request),
        request.params.id,
        request.params.subsystemId,
        false,
        originOf(request),
      ),
  );

  app.post(
    '/bridge/rights',
    {
      ...common,
      schema: {
        tags,
        summary: 'Grant a client subsystem (or group) a service or one endpoint of it',
        operationId: 'grantAccessRight',
        body: Type.Object({
          serviceId: Type.String({ format: 'uuid' }),
          endpoint: Type.Optional(EndpointRef),
          clientSubsystemId: Type.Optional(Type.String({ format: 'uuid' })),
          clientGroupId: Type.Optional(Type.String({ format: 'uuid' })),
          legalBasis: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
          ratePerSecond: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          quotaPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
        }),
        response: { 201: RightRef },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await grantAccessRight(deps, requireActor(request), request.body, originOf(request))),
  );

  app.delete(
    '/bridge/rights/:id',
    {
      ...common,
      schema: {
        tags,
        summary: 'Revoke an access right; every node refuses the next call within a second',
        operationId: 'revokeAccessRight',
        params: Id,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await revokeAccessRight(deps, requireActor(request), request.params.id, originOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/bridge/statistics',
    {
      ...catalogue,
      schema: {
        tags,
        summary: 'Calls, errors and p50/p99 latency per service since a time (default: the last 24 hours)',
        operationId: 'bridgeStatistics',
        querystring: Type.Object({ since: Type.Optional(Type.String({ format: 'date-time' })) }),
        response: {
          200: Type.Object({
            since: Type.String(),
            items: Type.Array(
              Type.Object({
                service: Type.String(),
                calls: Type.Integer(),
                errors: Type.Integer(),
                p50Ms: Type.Union([Type.Number(), Type.Null()]),
                p99Ms: Type.Union([Type.Number(), Type.Null()]),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const since = request.query.since
        ? new Date(request.query.since)
        : new Date(deps.clock().getTime() - 86_400_000);
      return {
        since: since.toISOString(),
        items: await serviceStatistics(deps, requireActor(request), since),
      };
    },
  );

  const EventType = Type.Object({
    id: Type.String(),
    eventType: Type.String(),
    title: Type.String(),
    publisher: Type.String(),
    personalData: Type.Boolean(),
    schema: Type.Record(Type.String(), Type.Unknown()),
  });
  const Subscription = Type.Object({
    id: Type.String(),
    eventType: Type.String(),
    subscriber: Type.String(),
    mode: Type.Union([Type.Literal('push'), Type.Literal('pull')]),
    webhookUrl: Type.Union([Type.String(), Type.Null()]),
    status: Type.String(),
    createdAt: Type.String(),
  });

  app.post(
    '/bridge/event-types',
    {
      ...common,
      schema: {
        tags,
        summary: 'Declare an event type this subsystem publishes, with the JSON Schema of its payload',
        operationId: 'registerEventType',
        body: Type.Object({
          subsystemId: Type.String({ format: 'uuid' }),
          code: Type.String({ minLength: 1, maxLength: 64 }),
          title: Type.String({ minLength: 1, maxLength: 200 }),
          schema: Type.Record(Type.String(), Type.Unknown()),
          personalData: Type.Boolean(),
        }),
        response: { 201: EventType },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await registerEventType(deps, requireActor(request), request.body, originOf(request))),
  );

  app.get(
    '/bridge/event-types',
    {
      ...catalogue,
      schema: {
        tags,
        summary: 'Event types of active members',
        operationId: 'listEventTypes',
        response: { 200: Type.Object({ items: Type.Array(EventType) }) },
      },
    },
    async (request) => ({ items: await listEventTypes(deps, requireActor(request)) }),
  );

  app.post(
    '/bridge/subscriptions',
    {
      ...common,
      schema: {
        tags,
        summary: 'Ask for an event type, pushed to a webhook or pulled; the publisher approves',
        operationId: 'requestSubscription',
        body: Type.Object({
          eventTypeId: Type.String({ format: 'uuid' }),
          subscriberSubsystemId: Type.String({ format: 'uuid' }),
          mode: Type.Union([Type.Literal('push'), Type.Literal('pull')]),
          webhookUrl: Type.Optional(
            Type.String({
              minLength: 8,
              maxLength: 500,
              description:
                'https (http in development and test), no credentials; its host must resolve to public addresses only, unless BRIDGE_WEBHOOK_ALLOWED_NETWORKS lists them',
            }),
          ),
        }),
        response: { 201: Subscription },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await requestSubscription(deps, requireActor(request), request.body, originOf(request))),
  );

  app.post(
    '/bridge/subscriptions/:id/decision',
    {
      ...common,
      schema: {
        tags,
        summary: 'Approve or refuse a subscription (publisher or operator), or cancel it (either side)',
        operationId: 'decideSubscription',
        params: Id,
        body: Type.Object({
          decision: Type.Union([Type.Literal('approve'), Type.Literal('refuse'), Type.Literal('cancel')]),
        }),
        response: { 200: Subscription },
      },
    },
    async (request) =>
      decideSubscription(
        deps,
        requireActor(request),
        request.params.id,
        request.body.decision,
        originOf(request),
      ),
  );

  app.get(
    '/bridge/subsystems/:id/subscriptions',
    {
      ...common,
      schema: {
        tags,
        summary: 'Subscriptions this subsystem holds, and those to its event types',
        operationId: 'listSubscriptions',
        params: Id,
        response: { 200: Type.Object({ held: Type.Array(Subscription), granted: Type.Array(Subscription) }) },
      },
    },
    async (request) => listSubscriptions(deps, requireActor(request), request.params.id),
  );

  app.get(
    '/bridge/log/export',
    {
      config: {
        access: 'authenticated',
        audience: ['operator', 'system'],
        roles: ['bridge:admin', 'bridge:audit'],
      },
      schema: {
        tags,
        summary:
          'A signed extract of the message log for an auditor (verify offline with `jokko bridge verify-log`)',
        operationId: 'exportMessageLog',
        querystring: Type.Object({
          from: Type.String({ format: 'date-time' }),
          to: Type.String({ format: 'date-time' }),
        }),
        response: { 200: Type.Record(Type.String(), Type.Unknown()) },
      },
    },
    async (request) => {
      const from = new Date(request.query.from);
      const to = new Date(request.query.to);
      if (!(from < to) || to.getTime() - from.getTime() > 31 * 86_400_000)
        throw new Problem('validation-failed', 'from must be before to, at most 31 days apart', {
          errors: [{ in: 'query', pointer: '/to', detail: 'from < to, at most 31 days' }],
        });
      return (await exportMessageLog(deps, requireActor(request), { from, to })) as unknown as Record<
        string,
        unknown
      >;
    },
  );

  app.get(
    '/bridge/keys',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: "The bridge's public keys (JWKS) that verify signed answers and log exports",
        operationId: 'bridgeKeys',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async () => ({ keys: await publishedBridgeKeys(deps.database) }),
  );
}
