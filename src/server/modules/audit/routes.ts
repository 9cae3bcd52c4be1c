import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import {
  type AuditDeps,
  currentTreeHead,
  listAuditEntries,
  proveConsistency,
  proveEntry,
  publishTreeHeadAs,
  verifyAuditLogAs,
} from './audit-access.ts';
import { logKeys } from './tree-heads.ts';

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

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });
const TreeHeadSchema = Type.Object({
  treeSize: Type.Integer(),
  rootHash: Hash,
  issuedAt: Type.String(),
  kid: Type.String(),
  jws: Type.String({
    description: 'Compact JWS (EdDSA, typ jokko-tree-head+jws) over {treeSize, rootHash, issuedAt}',
  }),
});
const Size = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

const VerifyResultSchema = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headHash: Type.Union([Type.String(), Type.Null()]),
  rootHash: Type.Union([Type.String(), Type.Null()]),
  treeHeadsChecked: Type.Integer(),
  firstBroken: Type.Optional(
    Type.Object({ seq: Type.Integer(), id: Type.Union([Type.String(), Type.Null()]), reason: Type.String() }),
  ),
});

export async function auditRoutes(app: FastifyInstance, opts: { ctx: AuditDeps }): Promise<void> {
  const { ctx } = opts;
  app.get(
    '/audit/entries',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['audit:read'] },
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
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['audit:verify'] },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the audit hash chain (operators with audit:verify)',
        operationId: 'verifyAuditLog',
        response: { 200: VerifyResultSchema },
      },
    },
    async (request) => verifyAuditLogAs(ctx, requireActor(request), originOf(request)),
  );

  app.get(
    '/audit/tree-head',
    {
      config: { access: 'public' },
      schema: {
        tags: ['audit'],
        summary: 'The newest signed tree head of the transparency log (for witnesses)',
        operationId: 'getTreeHead',
        response: { 200: TreeHeadSchema },
      },
    },
    async () => currentTreeHead(ctx),
  );

  app.post(
    '/audit/tree-heads',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['audit:verify'] },
      schema: {
        tags: ['audit'],
        summary: 'Publish a signed tree head now (operators with audit:verify)',
        operationId: 'publishTreeHead',
        response: { 200: TreeHeadSchema },
      },
    },
    async (request) => publishTreeHeadAs(ctx, requireActor(request), originOf(request)),
  );

  app.get(
    '/audit/log-keys',
    {
      config: { access: 'public' },
      schema: {
        tags: ['audit'],
        summary: "The transparency log's public keys (JWK set), retired ones included",
        operationId: 'listLogKeys',
        response: {
          200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }),
        },
      },
    },
    async () => ({ keys: await logKeys(ctx.database) }),
  );

  const ConsistencyQuery = Type.Object({ from: Size, to: Size }, { additionalProperties: false });
  app.get(
    '/audit/proofs/consistency',
    {
      config: { access: 'public' },
      schema: {
        tags: ['audit'],
        summary: 'Proof that the tree of size `to` extends the tree of size `from` (RFC 9162 §2.1.4)',
        operationId: 'proveConsistency',
        querystring: ConsistencyQuery,
        response: {
          200: Type.Object({ fromSize: Type.Integer(), toSize: Type.Integer(), path: Type.Array(Hash) }),
        },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof ConsistencyQuery>;
      return proveConsistency(ctx, q.from, q.to);
    },
  );

  const InclusionParams = Type.Object({
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  });
  const InclusionQuery = Type.Object({ treeSize: Type.Optional(Size) }, { additionalProperties: false });
  app.get(
    '/audit/entries/:seq/proof',
    {
      config: { access: 'authenticated', audience: ['citizen', 'operator', 'system'] },
      schema: {
        tags: ['audit'],
        summary:
          'Proof that an entry is in the log under a signed tree head (RFC 9162 §2.1.3): any entry for operators with audit:read, the entries about them for citizens',
        operationId: 'proveAuditEntry',
        params: InclusionParams,
        querystring: InclusionQuery,
        response: {
          200: Type.Object({
            entry: Entry,
            leafHash: Hash,
            inclusion: Type.Object({
              leafIndex: Type.Integer(),
              treeSize: Type.Integer(),
              path: Type.Array(Hash),
            }),
            treeHead: TreeHeadSchema,
          }),
        },
      },
    },
    async (request) => {
      const { seq } = request.params as Static<typeof InclusionParams>;
      const { treeSize } = request.query as Static<typeof InclusionQuery>;
      return proveEntry(ctx, requireActor(request), seq, treeSize);
    },
  );
}
