import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import { type AuditDeps, listAuditEntries, verifyAuditLogAs } from './audit-access.ts';

const Entry = Type.Object({
  seq: Type.Integer(),
  id: Type.String({ format: 'uuid' }),
  recordedAt: Type.String(),
  actor: Type.Object({ kind: Type.String(), id: Type.String() }),
  actingAs: Type.Optional(Type.String()),
  action: Type.String(),
  subject: Type.Optional(Type.Object({ kind: Type.String(), id: Type.String() })),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failure')]),
  origin: Type.Optional(
    Type.Object({ ip: Type.Optional(Type.String()), requestId: Type.Optional(Type.String()) }),
  ),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});

const EntriesQuery = Type.Object(
  {
    subjectKind: Type.Optional(Type.String({ maxLength: 64 })),
    subjectId: Type.Optional(Type.String({ maxLength: 128 })),
    actorId: Type.Optional(Type.String({ maxLength: 128 })),
    action: Type.Optional(Type.String({ maxLength: 128 })),
    after: Type.Optional(Type.Integer({ minimum: -1, description: 'Return entries after this seq' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const VerifyResultSchema = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headHash: Type.Union([Type.String(), Type.Null()]),
  firstBroken: Type.Optional(
    Type.Object({ seq: Type.Integer(), id: Type.Union([Type.String(), Type.Null()]), reason: Type.String() }),
  ),
});

export async function auditRoutes(app: FastifyInstance, opts: { ctx: AuditDeps }): Promise<void> {
  const { ctx } = opts;
  app.get(
    '/audit/entries',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['audit'],
        summary: 'Read audit entries (operators with audit:read)',
        operationId: 'listAuditEntries',
        querystring: EntriesQuery,
        response: {
          200: Type.Object({ entries: Type.Array(Entry), next: Type.Union([Type.Integer(), Type.Null()]) }),
        },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof EntriesQuery>;
      const entries = await listAuditEntries(ctx, requireActor(request), q, originOf(request));
      return { entries, next: entries.length === q.limit ? entries.at(-1)!.seq : null };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the audit hash chain (operators with audit:verify)',
        operationId: 'verifyAuditLog',
        response: { 200: VerifyResultSchema },
      },
    },
    async (request) => verifyAuditLogAs(ctx, requireActor(request), originOf(request)),
  );
}
