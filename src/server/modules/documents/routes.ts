import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import { requireCitizenInApp } from '../identity/index.ts';
import { onRequest, type RequestableType } from './claims.ts';
import { paperDocument } from './paper.ts';
import {
  type DocumentsDeps,
  issueApplicationDocument,
  issueDocument,
  listMyDocuments,
  revokeDocument,
  statusListToken,
} from './wallet.ts';

const requestable = Object.keys(onRequest) as RequestableType[];
const DocumentInfo = Type.Object({
  id: Type.String(),
  type: Type.String(),
  issuer: Type.String(),
  issuedAt: Type.String(),
  expiresAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  revokedReason: Type.Union([Type.String(), Type.Null()]),
});
const Issued = Type.Object({
  id: Type.String(),
  type: Type.String(),
  issuer: Type.String(),
  credential: Type.String(),
  issuedAt: Type.String(),
  expiresAt: Type.String(),
});
const Reason = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 200 }) },
  { additionalProperties: false },
);

export async function documentsRoutes(
  instance: FastifyInstance,
  opts: { deps: DocumentsDeps },
): Promise<void> {
  const { deps } = opts;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const auth = { config: { access: 'authenticated', audience: ['citizen'] } } as const;
  const wallet = (request: Parameters<typeof requireCitizenInApp>[0]) =>
    requireCitizenInApp(request, 'documents go to the Jokko app only');

  app.post(
    '/me/documents',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'Get one of my documents as a verifiable credential (SD-JWT VC) bound to my wallet key',
        operationId: 'issueMyDocument',
        body: Type.Object(
          {
            type: Type.Union([
              Type.Literal('national-id'),
              Type.Literal('residence-certificate'),
              Type.Literal('driving-licence'),
              Type.Literal('vehicle-registration'),
              Type.Literal('diploma'),
            ]),
            /** The wallet's public key (P-256 JWK); its private half never leaves the device. */
            holderKey: Type.Record(Type.String(), Type.Unknown()),
            /** Which record, when several (a plate, a diploma number); default the first. */
            source: Type.Optional(Type.String({ maxLength: 60 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Issued },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await issueDocument(deps, wallet(request), request.body, originOf(request))),
  );

  app.post(
    '/me/documents/from-application',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary:
          'Put the output of one of my completed applications in my wallet (e.g. a criminal record extract)',
        operationId: 'issueMyApplicationDocument',
        body: Type.Object(
          {
            application: Type.String({ format: 'uuid' }),
            holderKey: Type.Record(Type.String(), Type.Unknown()),
          },
          { additionalProperties: false },
        ),
        response: { 201: Issued },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await issueApplicationDocument(deps, wallet(request), request.body, originOf(request))),
  );

  app.post(
    '/me/documents/paper',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary:
          "One of my documents on paper: a PDF whose QR verifies like the wallet's (as a paper copy: check the holder's identity)",
        operationId: 'paperMyDocument',
        body: Type.Object(
          {
            type: Type.Union([
              Type.Literal('national-id'),
              Type.Literal('residence-certificate'),
              Type.Literal('driving-licence'),
              Type.Literal('vehicle-registration'),
              Type.Literal('diploma'),
            ]),
            source: Type.Optional(Type.String({ maxLength: 60 })),
            language: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The PDF',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const { pdf, id } = await paperDocument(
        deps,
        wallet(request),
        { ...request.body, language: request.body.language ?? deps.country.languages.default },
        originOf(request),
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${request.body.type}-${id.slice(0, 8)}.pdf"`)
        .send(Buffer.from(pdf) as never);
    },
  );

  app.get(
    '/me/documents',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary:
          'The documents issued to my wallet (what was issued, not the credentials: the wallet holds them)',
        operationId: 'listMyDocuments',
        response: {
          200: Type.Object({ items: Type.Array(DocumentInfo), requestable: Type.Array(Type.String()) }),
        },
      },
    },
    async (request) => ({ items: await listMyDocuments(deps, wallet(request)), requestable }),
  );

  app.post(
    '/me/documents/:id/revoke',
    {
      ...auth,
      schema: {
        tags: ['me'],
        summary: 'Revoke one of my documents (a lost or replaced phone): verifiers refuse it at once',
        operationId: 'revokeMyDocument',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Reason,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await revokeDocument(deps, wallet(request), request.params.id, request.body.reason, originOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/documents/:id/revoke',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['documents:admin'] },
      schema: {
        tags: ['documents'],
        summary: 'Revoke a document (operators, documents:admin)',
        operationId: 'revokeDocument',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Reason,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await revokeDocument(
        deps,
        requireActor(request),
        request.params.id,
        request.body.reason,
        originOf(request),
        'operator',
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/documents/status/:issuer/:list',
    {
      config: { access: 'public' },
      schema: {
        tags: ['documents'],
        summary: "An issuer's Token Status List (revocations), signed; cache it for five minutes",
        operationId: 'documentStatusList',
        security: [],
        params: Type.Object({
          issuer: Type.String({ pattern: '^[A-Z0-9-]{2,32}$' }),
          list: Type.Integer({ minimum: 1 }),
        }),
        response: {
          200: {
            description: 'Status list token (JWT)',
            content: { 'application/statuslist+jwt': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const token = await statusListToken(deps, request.params.issuer, request.params.list);
      return reply
        .type('application/statuslist+jwt')
        .header('cache-control', 'public, max-age=300')
        .send(token as never);
    },
  );
}
