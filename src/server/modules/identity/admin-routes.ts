import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { validateNationalId } from '../../../shared/countries/index.ts';
import type { AppContext } from '../../context.ts';
import { invalidInput } from '../../platform/http/problems.ts';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import { getAccountStatus, issueActivationCode, lockAccount, unlockAccount } from './activation.ts';
import { type AgentRole, agentRoles, setAgentRoles } from './agents.ts';

const NinParams = Type.Object({ nin: Type.String({ minLength: 1, maxLength: 32 }) });
const Status = Type.Object({
  nin: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('locked')]),
  lockedReason: Type.Union([Type.String(), Type.Null()]),
  lockedUntil: Type.Union([Type.String(), Type.Null()]),
  failedAttempts: Type.Integer(),
  createdAt: Type.String(),
});

/**
 * Back office for citizen accounts: agents at a counter issue enrolment and recovery codes (the
 * person is in front of them with their identity card), operators lock and unlock accounts.
 */
export async function identityAdminRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const common = {
    config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['identity:admin'] },
  } as const;
  const tags = ['identity'];
  const nin = (raw: string) => {
    const result = validateNationalId(ctx.country, raw);
    if (!result.ok) throw invalidInput('params', '/nin', result.reason);
    return result.normalized;
  };

  app.post(
    '/identity/accounts/:nin/activation-code',
    {
      config: {
        access: 'authenticated',
        audience: ['agent', 'operator', 'system'],
        roles: ['identity:enrol'],
      },
      schema: {
        tags,
        summary:
          'Issue an enrolment or recovery code (queued for SMS or letter, and returned for a counter slip)',
        operationId: 'issueActivationCode',
        params: NinParams,
        body: Type.Object({ purpose: Type.Union([Type.Literal('enrol'), Type.Literal('recover')]) }),
        response: {
          201: Type.Object({
            code: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
            delivery: Type.Union([Type.Literal('sms'), Type.Literal('letter')]),
          }),
        },
      },
    },
    async (request, reply) => {
      const { purpose } = request.body as { purpose: 'enrol' | 'recover' };
      const issued = await issueActivationCode(
        ctx,
        requireActor(request),
        nin((request.params as Static<typeof NinParams>).nin),
        purpose,
        originOf(request),
      );
      return reply.code(201).send({ ...issued, expiresAt: issued.expiresAt.toISOString() });
    },
  );

  app.get(
    '/identity/accounts/:nin',
    {
      config: {
        access: 'authenticated',
        audience: ['agent', 'operator', 'system'],
        roles: ['identity:admin', 'identity:enrol'],
      },
      schema: {
        tags,
        summary: 'An account’s status',
        operationId: 'getAccountStatus',
        params: NinParams,
        response: { 200: Status },
      },
    },
    async (request) =>
      getAccountStatus(ctx, requireActor(request), nin((request.params as Static<typeof NinParams>).nin)),
  );

  app.post(
    '/identity/accounts/:nin/lock',
    {
      ...common,
      schema: {
        tags,
        summary: 'Lock an account (fraud, death, court order): no sign-in until unlocked',
        operationId: 'lockAccount',
        params: NinParams,
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 200 }) }),
        response: { 200: Status },
      },
    },
    async (request) =>
      lockAccount(
        ctx,
        requireActor(request),
        nin((request.params as Static<typeof NinParams>).nin),
        (request.body as { reason: string }).reason,
        originOf(request),
      ),
  );

  app.post(
    '/identity/accounts/:nin/unlock',
    {
      ...common,
      schema: {
        tags,
        summary: 'Unlock an account and clear its failed attempts',
        operationId: 'unlockAccount',
        params: NinParams,
        response: { 200: Status },
      },
    },
    async (request) =>
      unlockAccount(
        ctx,
        requireActor(request),
        nin((request.params as Static<typeof NinParams>).nin),
        originOf(request),
      ),
  );

  const AgentRoles = Type.Object({
    nin: Type.String(),
    organisation: Type.String(),
    roles: Type.Array(Type.Union(agentRoles.map((r) => Type.Literal(r)))),
  });
  app.put(
    '/identity/agents/:nin',
    {
      ...common,
      schema: {
        tags,
        summary:
          'Make an account an agent of an administration (instructor prepares, decider decides); no roles: no longer an agent',
        operationId: 'setAgentRoles',
        params: NinParams,
        body: Type.Object(
          {
            organisation: Type.String({ minLength: 2, maxLength: 64, description: 'Identifier, e.g. MJ-CJ' }),
            roles: Type.Array(Type.Union(agentRoles.map((r) => Type.Literal(r))), { maxItems: 2 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: AgentRoles },
      },
    },
    async (request) =>
      setAgentRoles(
        ctx,
        requireActor(request),
        nin((request.params as Static<typeof NinParams>).nin),
        request.body as { organisation: string; roles: AgentRole[] },
        originOf(request),
      ),
  );
}
