import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../../platform/http/problems.ts';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import { type AuditDeps, proveEntryOnBehalf } from '../audit/index.ts';
import { exchangeEvidence, listAccessesToSubject } from '../bridge/index.ts';
import { requireCitizenInApp as requireCitizenInJokko } from '../identity/index.ts';
import { publishedConsentKeys } from './artefact.ts';
import {
  type ConsentDeps,
  changeConsent,
  consentStatus,
  decideRequest,
  getRequest,
  listConsents,
  listPendingRequests,
  requestConsent,
} from './consents.ts';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Frequency = Type.Union([
  Type.Object({ type: Type.Literal('once') }),
  Type.Object({ type: Type.Literal('recurring'), perDay: Type.Integer({ minimum: 1, maximum: 1000 }) }),
]);
const Items = Type.Array(
  Type.Object({ service: Type.String(), fields: Type.Optional(Type.Array(Type.String())) }),
);
const Purpose = Type.Object({ code: Type.String(), text: Type.String() });
const Request = Type.Object({
  id: Type.String(),
  partner: Type.String(),
  partnerName: Type.Union([Type.String(), Type.Null()]),
  items: Items,
  purpose: Purpose,
  validDays: Type.Integer(),
  frequency: Frequency,
  dataLifeDays: Type.Integer(),
  status: Type.String(),
  flow: Type.Union([Type.Literal('decoupled'), Type.Literal('redirect')]),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  consentId: Type.Union([Type.String(), Type.Null()]),
});
const Consent = Type.Object({
  id: Type.String(),
  partner: Type.String(),
  partnerName: Type.Union([Type.String(), Type.Null()]),
  items: Items,
  purpose: Purpose,
  validFrom: Type.String(),
  validUntil: Type.String(),
  frequency: Frequency,
  dataLifeDays: Type.Integer(),
  status: Type.String(),
  revision: Type.Integer(),
  uses: Type.Integer(),
  artefact: Type.String({ description: 'The latest signed revision (compact JWS, EdDSA)' }),
});

/** Decisions on data are taken in the Jokko app, by the citizen signed in there. */
const requireCitizenInApp = (request: FastifyRequest) =>
  requireCitizenInJokko(request, 'consents are managed from the Jokko app only');

export async function consentRoutes(
  instance: FastifyInstance,
  opts: { deps: ConsentDeps; transparency: AuditDeps },
): Promise<void> {
  const { deps, transparency } = opts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  // The citizen's own consents, in the Jokko app; partners and operators use the routes that say so.
  const common = { config: { access: 'authenticated', audience: ['citizen'] } } as const;
  // A consent and its request concern three parties: the citizen, the partner, the operators.
  const parties = {
    config: { access: 'authenticated', audience: ['citizen', 'partner', 'operator', 'system'] },
  } as const;
  const tags = ['consent'];

  app.get(
    '/consents/purposes',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'The purposes a partner may give for a consent request',
        operationId: 'listConsentPurposes',
        security: [],
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ code: Type.String(), titleFr: Type.String(), titleEn: Type.String() }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: (
        await deps.database.query<{ code: string; title_fr: string; title_en: string }>(
          'SELECT code, title_fr, title_en FROM consent_purposes ORDER BY code',
        )
      ).map((p) => ({ code: p.code, titleFr: p.title_fr, titleEn: p.title_en })),
    }),
  );

  app.get(
    '/consents/keys',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'The public keys (JWKS) that verify consent artefacts offline',
        operationId: 'consentKeys',
        security: [],
        response: { 200: Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) }) },
      },
    },
    async () => ({ keys: await publishedConsentKeys(deps.database) }),
  );

  app.post(
    '/consents/requests',
    {
      config: { access: 'authenticated', audience: ['partner'], roles: ['consent:request'] },
      schema: {
        tags,
        summary:
          'Ask a citizen for consent to read named bridge services: by NIN (they decide in the Jokko app), or without one for the redirect flow (send the citizen to /oidc/auth with consent_request=<id>)',
        operationId: 'requestConsent',
        body: Type.Object({
          partnerSubsystemId: Type.String({ format: 'uuid' }),
          nin: Type.Optional(
            Type.String({
              minLength: 4,
              maxLength: 32,
              description: 'The citizen asked; leave out for the redirect flow',
            }),
          ),
          services: Type.Array(Type.String({ maxLength: 300 }), { minItems: 1, maxItems: 20 }),
          fields: Type.Optional(
            Type.Record(
              Type.String({ maxLength: 300 }),
              Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }),
              {
                description: 'Per service, the only fields of its answers the partner may receive',
              },
            ),
          ),
          purpose: Type.String({ maxLength: 64 }),
          purposeText: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })),
          validDays: Type.Integer({ minimum: 1, maximum: 730 }),
          frequency: Frequency,
          dataLifeDays: Type.Integer({ minimum: 0, maximum: 3650 }),
        }),
        response: { 201: Request },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await requestConsent(deps, requireActor(request), request.body, originOf(request))),
  );

  app.get(
    '/consents/requests/:id',
    {
      ...parties,
      schema: {
        tags,
        summary: 'A consent request, for the partner that made it (poll until approved or denied)',
        operationId: 'getConsentRequest',
        params: Id,
        response: { 200: Request },
      },
    },
    async (request) => getRequest(deps, requireActor(request), request.params.id),
  );

  app.get(
    '/consents/:id/status',
    {
      ...parties,
      schema: {
        tags,
        summary: "A consent's current status and latest signed artefact (partner, citizen, operators)",
        operationId: 'consentStatus',
        params: Id,
        response: {
          200: Type.Object({
            id: Type.String(),
            status: Type.String(),
            revision: Type.Integer(),
            validUntil: Type.String(),
            artefact: Type.String(),
          }),
        },
      },
    },
    async (request) => consentStatus(deps, requireActor(request), request.params.id),
  );

  app.get(
    '/me/consent-requests',
    {
      ...common,
      schema: {
        tags: ['me'],
        summary: 'Requests for my data waiting for my decision',
        operationId: 'listMyConsentRequests',
        response: { 200: Type.Object({ items: Type.Array(Request) }) },
      },
    },
    async (request) => ({ items: await listPendingRequests(deps, requireCitizenInApp(request)) }),
  );

  app.post(
    '/me/consent-requests/:id/decision',
    {
      ...common,
      schema: {
        tags: ['me'],
        summary: 'Approve (a signed consent is issued) or deny a request for my data',
        operationId: 'decideConsentRequest',
        params: Id,
        body: Type.Object({ decision: Type.Union([Type.Literal('approve'), Type.Literal('deny')]) }),
        response: {
          200: Type.Object({ request: Request, consent: Type.Union([Consent, Type.Null()]) }),
        },
      },
    },
    async (request) =>
      decideRequest(
        deps,
        requireCitizenInApp(request),
        request.params.id,
        request.body.decision,
        originOf(request),
      ),
  );

  const Access = Type.Object({
    id: Type.String({ format: 'uuid' }),
    at: Type.String(),
    client: Type.String(),
    organisation: Type.Union([Type.String(), Type.Null()]),
    service: Type.String(),
    endpoint: Type.Union([Type.String(), Type.Null()]),
    basis: Type.Union([Type.String(), Type.Null()]),
    status: Type.Integer(),
    refused: Type.Boolean(),
  });
  app.get(
    '/me/data-accesses',
    {
      ...common,
      schema: {
        tags: ['me'],
        summary: 'Data tracker: who read (or tried to read) my data through the bridge, when, and under what',
        operationId: 'listMyDataAccesses',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          before: Type.Optional(Type.String({ format: 'date-time' })),
          format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
        }),
        response: {
          200: {
            description: 'The accesses, as JSON or as CSV (format=csv) to export',
            content: {
              'application/json': { schema: Type.Object({ items: Type.Array(Access) }) },
              'text/csv': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const citizen = requireCitizenInApp(request);
      const items = await listAccessesToSubject(deps.database, citizen.nin, {
        limit: request.query.limit,
        ...(request.query.before ? { before: new Date(request.query.before) } : {}),
      });
      await deps.audit.record({
        actor: citizen,
        action: 'consent.data-tracker.read',
        subject: { kind: 'person', id: citizen.nin },
        outcome: 'success',
        origin: originOf(request),
        details: { count: items.length, format: request.query.format },
      });
      if (request.query.format === 'csv') {
        // Quoted, and a leading = + - @ neutralised, so a spreadsheet never runs a cell as a formula.
        const cell = (v: unknown) =>
          `"${String(v ?? '')
            .replace(/^[=+\-@]/, "'$&")
            .replace(/"/g, '""')}"`;
        const header = 'at,client,organisation,service,endpoint,basis,status,refused';
        const lines = items.map((a) =>
          [a.at, a.client, a.organisation, a.service, a.endpoint, a.basis, a.status, a.refused]
            .map(cell)
            .join(','),
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="jokko-data-accesses.csv"')
          .send(`${[header, ...lines].join('\r\n')}\r\n`);
      }
      return reply.send({ items });
    },
  );
  const Hash = Type.String({ pattern: '^[0-9a-f]{64}$' });
  app.get(
    '/me/data-accesses/:id/proof',
    {
      ...common,
      schema: {
        tags: ['me'],
        summary:
          'Proof that an exchange about me is in the transparency log: the record, its batch and the inclusion of the batch entry under a signed tree head',
        operationId: 'proveMyDataAccess',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({
            record: Type.Record(Type.String(), Type.Unknown(), {
              description: 'The exchange as hashed: SHA-256 of its RFC 8785 JSON with "v": 1 is recordHash',
            }),
            recordHash: Hash,
            batchRecordHashes: Type.Array(Type.String()),
            audit: Type.Object({
              entry: Type.Record(Type.String(), Type.Unknown()),
              leafHash: Hash,
              inclusion: Type.Object({
                leafIndex: Type.Integer(),
                treeSize: Type.Integer(),
                path: Type.Array(Hash),
              }),
              treeHead: Type.Object({
                treeSize: Type.Integer(),
                rootHash: Hash,
                issuedAt: Type.String(),
                kid: Type.String(),
                jws: Type.String(),
              }),
            }),
          }),
        },
      },
    },
    async (request) => {
      const citizen = requireCitizenInApp(request);
      // Only an exchange that named this citizen: any other id answers as missing.
      const evidence = await exchangeEvidence(deps.database, request.params.id, citizen.nin);
      if (!evidence) throw notFound('No exchange about you with this id in the log');
      const audit = await proveEntryOnBehalf(transparency, evidence.auditSeq);
      await deps.audit.record({
        actor: citizen,
        action: 'consent.data-access.proved',
        subject: { kind: 'person', id: citizen.nin },
        outcome: 'success',
        origin: originOf(request),
        details: { record: evidence.record.id, auditSeq: evidence.auditSeq },
      });
      return {
        record: evidence.record as unknown as Record<string, unknown>,
        recordHash: evidence.recordHash,
        batchRecordHashes: evidence.batchRecordHashes,
        audit: { ...audit, entry: audit.entry as unknown as Record<string, unknown> },
      };
    },
  );

  app.get(
    '/me/consents',
    {
      ...common,
      schema: {
        tags: ['me'],
        summary: 'Who may read what about me, and under which terms',
        operationId: 'listMyConsents',
        response: { 200: Type.Object({ items: Type.Array(Consent) }) },
      },
    },
    async (request) => ({ items: await listConsents(deps, requireCitizenInApp(request)) }),
  );

  app.post(
    '/me/consents/:id/status',
    {
      ...common,
      schema: {
        tags: ['me'],
        summary: 'Pause, resume or revoke one of my consents; the bridge refuses the next call at once',
        operationId: 'changeMyConsent',
        params: Id,
        body: Type.Object({
          action: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('revoke')]),
        }),
        response: { 200: Consent },
      },
    },
    async (request) =>
      changeConsent(
        deps,
        requireCitizenInApp(request),
        request.params.id,
        request.body.action,
        originOf(request),
      ),
  );
}
