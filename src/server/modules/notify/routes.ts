import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { originOf } from '../../platform/http/route-access.ts';
import { requireCitizenInApp } from '../identity/index.ts';
import { type ContactDeps, contactLanguages, getMyContact, updateMyContact } from './contacts.ts';
import { listInbox } from './inbox.ts';

export async function notifyRoutes(instance: FastifyInstance, opts: { deps: ContactDeps }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  app.get(
    '/me/inbox',
    {
      config: { access: 'authenticated', audience: ['citizen'] },
      schema: {
        tags: ['me'],
        summary:
          'My notifications (consent requests, first use of a consent, consents about to end, applications)',
        operationId: 'listMyInbox',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          before: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                template: Type.String(),
                payload: Type.Record(Type.String(), Type.Unknown()),
                createdAt: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const actor = requireCitizenInApp(request, 'the inbox is read in the Jokko app only');
      return {
        items: await listInbox(deps.database, actor.nin, {
          limit: request.query.limit,
          ...(request.query.before ? { before: new Date(request.query.before) } : {}),
        }),
      };
    },
  );

  const Language = Type.Union(
    contactLanguages(deps.country).map((l) => Type.Literal(l)),
    { description: 'Language of e-mails and SMS: one of the country profile’s languages' },
  );
  const Contact = Type.Object({
    email: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()], { description: 'E.164, e.g. +221771234567' }),
    language: Type.String(),
    updatedAt: Type.Union([Type.String(), Type.Null()]),
  });
  const contactRoute = { config: { access: 'authenticated', audience: ['citizen'] } } as const;
  const inApp = 'notification contacts are changed in the Jokko app only';

  app.get(
    '/me/contact',
    {
      ...contactRoute,
      schema: {
        tags: ['me'],
        summary: 'Where my notifications go besides the app (e-mail, SMS) and their language',
        operationId: 'getMyContact',
        response: { 200: Contact },
      },
    },
    async (request) => getMyContact(deps, requireCitizenInApp(request, inApp)),
  );

  app.put(
    '/me/contact',
    {
      ...contactRoute,
      schema: {
        tags: ['me'],
        summary: 'Choose where my notifications go besides the app, and their language',
        description:
          'Replaces the choices: an absent or null e-mail or phone means none. A phone may be written the local or the international way; it is stored in E.164.',
        operationId: 'putMyContact',
        body: Type.Object(
          {
            email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()])),
            phone: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()])),
            language: Language,
          },
          { additionalProperties: false },
        ),
        response: { 200: Contact },
      },
    },
    async (request) =>
      updateMyContact(deps, requireCitizenInApp(request, inApp), request.body, originOf(request)),
  );
}
