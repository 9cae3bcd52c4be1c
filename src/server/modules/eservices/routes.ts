import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { Application, Attachment, ProcedureSummary } from '../../../shared/procedures/application.ts';
import {
  ProcedureDefinition,
  ApplicationStatusSchema as Status,
} from '../../../shared/procedures/definition.ts';
import { Problem } from '../../platform/http/problems.ts';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import { requireCitizenInApp } from '../identity/index.ts';
import {
  type ApplicationRow,
  attachFile,
  getMyApplication,
  getMyAttachment,
  iso,
  listAttachments,
  listMyApplications,
  readAttachment,
  saveAnswers,
  startApplication,
  submitApplication,
  withdrawApplication,
} from './applications.ts';
import type { EservicesDeps } from './deps.ts';
import { agentOf, bulkAction, commentOn, decide, getForAgent, listQueue, timeline } from './office.ts';
import { administrationName, checkOutputCode, outputKeys, renderApplicationPdf } from './output.ts';
import { servicePerformance } from './performance.ts';
import {
  getProcedure,
  listProcedures,
  listProcedureVersions,
  publishProcedureVersion,
} from './procedures.ts';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
/** A file answer (Buffers bypass the serializer; the schema documents it). */
const binary = (description: string, types: string[]) => ({
  200: {
    description,
    content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
  },
});
const documentTypes = ['application/pdf', 'image/jpeg', 'image/png'];
const ProcedureId = Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]{3,80}$' }) });

function present(row: ApplicationRow, now: Date, agent = false) {
  return {
    id: row.id,
    reference: row.reference,
    procedure: { id: row.procedure_id, version: row.procedure_version, owner: row.owner },
    status: row.status,
    step: row.step,
    data: row.data,
    prefilled: row.prefilled,
    language: row.language,
    fee: { amount: row.fee_amount, currency: row.fee_currency },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    submittedAt: iso(row.submitted_at),
    decidedAt: iso(row.decided_at),
    dueAt: iso(row.due_at),
    output: row.output
      ? {
          kind: row.output.kind,
          title: row.output.title,
          issuedAt: row.output.issuedAt,
          validUntil: row.output.validUntil,
        }
      : null,
    ...(agent
      ? {
          nin: row.nin,
          assignedTo: row.assigned_to,
          slaDaysLeft: row.due_at
            ? Math.floor((new Date(row.due_at).getTime() - now.getTime()) / 86_400_000)
            : null,
        }
      : {}),
  };
}

const languageOf = (request: FastifyRequest, deps: EservicesDeps) => {
  const header = String(request.headers['accept-language'] ?? '');
  const languages = [deps.country.languages.default, ...deps.country.languages.others];
  return (
    header
      .split(',')
      .map((part) => part.split(';')[0]!.trim().slice(0, 2).toLowerCase())
      .find((l) => languages.includes(l)) ?? deps.country.languages.default
  );
};

export async function eservicesRoutes(
  instance: FastifyInstance,
  opts: { deps: EservicesDeps },
): Promise<void> {
  const { deps } = opts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const pub = { config: { access: 'public' as const } };
  const auth = { config: { access: 'authenticated', audience: ['citizen'] } } as const;
  const office = {
    config: {
      access: 'authenticated',
      audience: ['agent'],
      roles: ['eservices:instructor', 'eservices:decider'],
    },
  } as const;
  const citizen = (request: FastifyRequest) =>
    requireCitizenInApp(request, 'applications are made in the Jokko app only');

  // --- the catalogue (public) and its editor (operators) ---
  app.get(
    '/procedures',
    {
      ...pub,
      schema: {
        tags: ['eservices'],
        summary: 'The catalogue of public procedures, searchable in every language of the country',
        operationId: 'listProcedures',
        security: [],
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          category: Type.Optional(Type.String({ maxLength: 40 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(ProcedureSummary) }) },
      },
    },
    async (request) => ({
      items: (await listProcedures(deps, request.query)).map((p) => ({
        id: p.id,
        version: p.version,
        owner: p.owner,
        category: p.category,
        title: p.title,
        summary: p.summary,
        fee: p.fee,
        targetDays: p.workflow.steps.reduce((sum, s) => sum + s.slaDays, 0),
        online: true,
      })),
    }),
  );

  app.get(
    '/procedures/performance',
    {
      ...pub,
      schema: {
        tags: ['eservices'],
        summary:
          'Service performance per procedure: volume, processing time (median, 90th percentile), share within target, share online',
        operationId: 'servicePerformance',
        security: [],
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 366, default: 30 }) }),
        response: {
          200: Type.Object({
            since: Type.String(),
            until: Type.String(),
            items: Type.Array(
              Type.Object({
                procedure: Type.Object({
                  id: Type.String(),
                  title: Type.Record(Type.String(), Type.String()),
                  owner: Type.String(),
                }),
                submitted: Type.Integer(),
                perDay: Type.Number(),
                decided: Type.Integer(),
                medianDays: Type.Union([Type.Number(), Type.Null()]),
                p90Days: Type.Union([Type.Number(), Type.Null()]),
                withinTarget: Type.Union([Type.Number(), Type.Null()]),
                online: Type.Union([Type.Number(), Type.Null()]),
                targetDays: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => servicePerformance(deps, { days: request.query.days }),
  );

  app.get(
    '/procedures/:id',
    {
      ...pub,
      schema: {
        tags: ['eservices'],
        summary:
          'A procedure definition: form, pre-filled fields, documents, fee, steps, output (newest version unless asked)',
        operationId: 'getProcedure',
        security: [],
        params: ProcedureId,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: ProcedureDefinition },
      },
    },
    async (request) => getProcedure(deps, request.params.id, request.query.version),
  );

  app.get(
    '/procedures/:id/versions',
    {
      ...pub,
      schema: {
        tags: ['eservices'],
        summary: 'The versions of a procedure, newest first',
        operationId: 'listProcedureVersions',
        security: [],
        params: ProcedureId,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                version: Type.Integer(),
                source: Type.String(),
                createdAt: Type.String(),
                createdBy: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await listProcedureVersions(deps, request.params.id) }),
  );

  app.put(
    '/procedures/:id',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['eservices:admin'] },
      schema: {
        tags: ['eservices'],
        summary: 'Publish a new version of a procedure (operators, eservices:admin); version = newest + 1',
        operationId: 'publishProcedureVersion',
        params: ProcedureId,
        body: Type.Object({}, { additionalProperties: true }),
        response: { 201: ProcedureDefinition },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await publishProcedureVersion(
            deps,
            requireActor(request),
            request.params.id,
            request.body,
            originOf(request),
          ),
        ),
  );

  // --- verification of outputs (public) ---
  app.get(
    '/outputs/keys',
    {
      ...pub,
      schema: {
        tags: ['eservices'],
        summary: 'The public keys that sign verification codes of decision letters and extracts (JWKS)',
        operationId: 'outputKeys',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: await outputKeys(deps) };
    },
  );

  app.post(
    '/outputs/verify',
    {
      ...pub,
      schema: {
        tags: ['eservices'],
        summary: 'Check the verification code of a decision letter or extract (the QR on the PDF)',
        operationId: 'verifyOutput',
        security: [],
        body: Type.Object(
          { code: Type.String({ minLength: 10, maxLength: 4000 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            reason: Type.Optional(Type.String()),
            claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            /** The deciding administration as the organisations registry names it (not part of the signature). */
            issuer: Type.Optional(Type.Object({ identifier: Type.String(), name: Type.String() })),
          }),
        },
      },
    },
    async (request) => {
      const check = await checkOutputCode(deps, request.body.code);
      if (!check.valid) return { valid: false, reason: check.reason };
      const issuer = await administrationName(deps, check.claims.jokko.owner);
      return { valid: true, claims: check.claims, ...(issuer ? { issuer } : {}) };
    },
  );

  // --- the citizen's applications ---
  app.get(
    '/me/applications',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'My applications, newest first',
        operationId: 'listMyApplications',
        response: { 200: Type.Object({ items: Type.Array(Application) }) },
      },
    },
    async (request) => {
      const rows = await listMyApplications(deps, citizen(request));
      return { items: rows.map((r) => present(r, deps.clock())) };
    },
  );

  app.post(
    '/me/applications',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'Start an application: a draft pre-filled with what the registries already know',
        operationId: 'startApplication',
        body: Type.Object(
          {
            procedure: Type.String({ pattern: '^[a-z0-9-]{3,80}$' }),
            language: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Application },
      },
    },
    async (request, reply) => {
      const row = await startApplication(
        deps,
        citizen(request),
        request.body.procedure,
        request.body.language ?? languageOf(request, deps),
        originOf(request),
      );
      return reply.code(201).send({
        ...present(row, deps.clock()),
        attachments: [],
        timeline: await timeline(deps.database, row.id, false),
      });
    },
  );

  const full = async (row: ApplicationRow, agent: boolean) => ({
    ...present(row, deps.clock(), agent),
    attachments: await listAttachments(deps.database, row.id),
    timeline: await timeline(deps.database, row.id, agent),
  });

  app.get(
    '/me/applications/:id',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'One of my applications, with its documents and timeline',
        operationId: 'getMyApplication',
        params: Id,
        response: { 200: Application },
      },
    },
    async (request) => full(await getMyApplication(deps, citizen(request), request.params.id), false),
  );

  app.patch(
    '/me/applications/:id',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary:
          'Save answers (autosave): checked for type and format, not completeness; null clears a field',
        operationId: 'saveMyAnswers',
        params: Id,
        body: Type.Object(
          { data: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()) },
          { additionalProperties: false },
        ),
        response: { 200: Application },
      },
    },
    async (request) =>
      full(
        await saveAnswers(
          deps,
          citizen(request),
          request.params.id,
          request.body.data as Record<string, unknown>,
        ),
        false,
      ),
  );

  app.post(
    '/me/applications/:id/submit',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary:
          'Submit (or resubmit after a request for information); the same Idempotency-Key submits once',
        operationId: 'submitMyApplication',
        params: Id,
        headers: Type.Object({
          'idempotency-key': Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }),
        }),
        body: Type.Object(
          {
            fee: Type.Object(
              { amount: Type.Integer({ minimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Application },
      },
    },
    async (request, reply) => {
      const { row, replayed } = await submitApplication(
        deps,
        citizen(request),
        request.params.id,
        request.body,
        request.headers['idempotency-key'],
        originOf(request),
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return full(row, false);
    },
  );

  app.post(
    '/me/applications/:id/withdraw',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'Withdraw my application (until it is decided)',
        operationId: 'withdrawMyApplication',
        params: Id,
        body: Type.Object(
          { reason: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: Application },
      },
    },
    async (request) =>
      full(
        await withdrawApplication(
          deps,
          citizen(request),
          request.params.id,
          request.body.reason,
          originOf(request),
        ),
        false,
      ),
  );

  app.get(
    '/me/applications/:id/output.pdf',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'The signed decision letter or extract (PDF with a verification QR)',
        operationId: 'downloadMyOutput',
        params: Id,
        response: binary('The PDF', ['application/pdf']),
      },
    },
    async (request, reply) => {
      const row = await getMyApplication(deps, citizen(request), request.params.id);
      if (!row.output) throw new Problem('not-found', 'this application has no output (yet)');
      const pdf = await renderApplicationPdf(deps, row);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${row.reference}.pdf"`)
        .send(Buffer.from(pdf) as never);
    },
  );

  // Documents: the raw file is the body, typed by Content-Type, named by X-Filename.
  await app.register(async (files) => {
    files.removeAllContentTypeParsers();
    files.addContentTypeParser(
      ['application/pdf', 'image/jpeg', 'image/png'],
      { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 },
      (_request, body, done) => done(null, body),
    );
    files.addContentTypeParser('*', (request, _payload, done) =>
      done(
        new Problem(
          'unsupported-media-type',
          `documents are sent as application/pdf, image/jpeg or image/png, not ${request.headers['content-type'] ?? 'nothing'}`,
        ),
        undefined,
      ),
    );
    files.withTypeProvider<TypeBoxTypeProvider>().put(
      '/me/applications/:id/attachments/:slot',
      {
        ...auth,
        bodyLimit: 10 * 1024 * 1024,
        schema: {
          tags: ['me'],
          summary:
            'Attach a document the procedure asks for (PDF, JPEG or PNG; the slot sets the limits); replaces the previous one',
          operationId: 'attachToMyApplication',
          params: Type.Object({
            id: Type.String({ format: 'uuid' }),
            slot: Type.String({ pattern: '^[a-z0-9-]{1,80}$' }),
          }),
          headers: Type.Object({ 'x-filename': Type.Optional(Type.String({ maxLength: 200 })) }),
          response: { 201: Attachment },
        },
      },
      async (request, reply) => {
        const bytes = request.body as Buffer | undefined;
        if (!bytes?.length) throw new Problem('bad-request', 'the document is empty');
        const view = await attachFile(
          deps,
          citizen(request),
          request.params.id,
          request.params.slot,
          {
            filename: decodedFilename(request.headers['x-filename']),
            mediaType: String(request.headers['content-type']).split(';')[0]!.trim(),
            bytes,
          },
          originOf(request),
        );
        return reply.code(201).send(view);
      },
    );
  });

  app.get(
    '/me/applications/:id/attachments/:attachment',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'Download a document I attached',
        operationId: 'downloadMyAttachment',
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          attachment: Type.String({ format: 'uuid' }),
        }),
        response: binary('The document as attached', documentTypes),
      },
    },
    async (request, reply) => {
      const file = await getMyAttachment(
        deps,
        citizen(request),
        request.params.id,
        request.params.attachment,
      );
      return reply
        .type(file.media_type)
        .header('content-disposition', `attachment; filename="${encodeURIComponent(file.filename)}"`)
        .send(Buffer.from(file.content) as never);
    },
  );

  // --- the back-office ---
  const agent = (request: FastifyRequest) => agentOf(deps, requireActor(request));

  app.get(
    '/office/me',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: 'Who I am in the back-office: my administration and roles',
        operationId: 'officeWhoAmI',
        response: {
          200: Type.Object({
            /** The agent's account id, as in `assignedTo`. */
            id: Type.String(),
            organisation: Type.String(),
            roles: Type.Array(Type.String()),
            acr: Type.String(),
          }),
        },
      },
    },
    async (request) => {
      const a = await agent(request);
      return {
        id: a.actor.id,
        organisation: a.organisation,
        roles: [...a.actor.roles],
        acr: a.actor.acr ?? 'low',
      };
    },
  );

  const QueueQuery = Type.Object({
    status: Type.Optional(Type.Array(Status, { maxItems: 8 })),
    procedure: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{3,80}$' })),
    assigned: Type.Optional(Type.Union([Type.Literal('me'), Type.Literal('none'), Type.Literal('any')])),
    overdue: Type.Optional(Type.Boolean()),
    reference: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    after: Type.Optional(Type.String({ maxLength: 200 })),
  });
  app.get(
    '/office/applications',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: "My administration's work queue, nearest deadline first, with filters",
        operationId: 'listQueue',
        querystring: QueueQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Application),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof QueueQuery>;
      const result = await listQueue(deps, await agent(request), {
        limit: q.limit,
        ...(q.status ? { status: q.status as never } : {}),
        ...(q.procedure ? { procedure: q.procedure } : {}),
        ...(q.assigned ? { assigned: q.assigned } : {}),
        ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
        ...(q.reference ? { reference: q.reference } : {}),
        ...(q.after ? { after: q.after } : {}),
      });
      return { items: result.items.map((r) => present(r, deps.clock(), true)), next: result.next };
    },
  );

  app.get(
    '/office/applications/:id',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: 'An application of my administration, with documents, timeline and internal comments',
        operationId: 'getQueuedApplication',
        params: Id,
        response: { 200: Application },
      },
    },
    async (request) => full(await getForAgent(deps, await agent(request), request.params.id), true),
  );

  app.get(
    '/office/applications/:id/attachments/:attachment',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: 'A document attached to an application of my administration',
        operationId: 'downloadQueuedAttachment',
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          attachment: Type.String({ format: 'uuid' }),
        }),
        response: binary('The document as attached', documentTypes),
      },
    },
    async (request, reply) => {
      const row = await getForAgent(deps, await agent(request), request.params.id);
      const file = await readAttachment(deps.database, row.id, request.params.attachment);
      if (!file) throw new Problem('not-found', 'no such attachment');
      return reply
        .type(file.media_type)
        .header('content-disposition', `attachment; filename="${encodeURIComponent(file.filename)}"`)
        .send(Buffer.from(file.content) as never);
    },
  );

  app.post(
    '/office/applications/bulk',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: 'Bulk actions that are safe in bulk: assign, start review',
        operationId: 'bulkQueueAction',
        body: Type.Object(
          {
            action: Type.Union([Type.Literal('assign'), Type.Literal('start-review')]),
            ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 100 }),
            assignee: Type.Optional(Type.String({ format: 'uuid' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            done: Type.Array(Type.String()),
            refused: Type.Array(Type.Object({ id: Type.String(), reason: Type.String() })),
          }),
        },
      },
    },
    async (request) => bulkAction(deps, await agent(request), request.body, originOf(request)),
  );

  app.post(
    '/office/applications/:id/comments',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: 'Comment on an application (internal: agents only)',
        operationId: 'commentOnApplication',
        params: Id,
        body: Type.Object(
          {
            message: Type.String({ minLength: 1, maxLength: 2000 }),
            internal: Type.Boolean({ default: true }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await commentOn(deps, await agent(request), request.params.id, request.body, originOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/office/applications/:id/decision',
    {
      ...office,
      schema: {
        tags: ['office'],
        summary: 'Decide the current step (as the procedure allows): approve, reject or request information',
        operationId: 'decideApplication',
        params: Id,
        body: Type.Object(
          {
            decision: Type.Union([
              Type.Literal('approve'),
              Type.Literal('reject'),
              Type.Literal('request-info'),
            ]),
            message: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Application },
      },
    },
    async (request) =>
      full(
        await decide(deps, await agent(request), request.params.id, request.body, originOf(request)),
        true,
      ),
  );
}

/** X-Filename is percent-encoded UTF-8; a malformed one (a lone %, an overlong or surrogate byte) is the caller's mistake. */
function decodedFilename(header: string | string[] | undefined): string {
  try {
    return decodeURIComponent(String(header ?? 'document'));
  } catch {
    throw new Problem('validation-failed', 'X-Filename is not validly percent-encoded UTF-8', {
      errors: [{ in: 'headers', pointer: '/x-filename', detail: 'is not validly percent-encoded UTF-8' }],
    });
  }
}
