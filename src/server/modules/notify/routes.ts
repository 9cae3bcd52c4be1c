import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../../platform/db/database.ts';
import { requireCitizenInApp } from '../identity/index.ts';
import { listInbox } from './inbox.ts';

export async function notifyRoutes(instance: FastifyInstance, opts: { database: Database }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/me/inbox',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['me'],
        summary: 'My notifications (consent requests, first use of a consent, consents about to end)',
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
        items: await listInbox(opts.database, actor.nin, {
          limit: request.query.limit,
          ...(request.query.before ? { before: new Date(request.query.before) } : {}),
        }),
      };
    },
  );
}
