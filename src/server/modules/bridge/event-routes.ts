import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../platform/http/errors.ts';
import { Problem } from '../../platform/http/problems.ts';
import { identifyClient } from './checks/identify-client.ts';
import { rejectReplay } from './checks/reject-replay.ts';
import { verifySignature } from './checks/verify-signature.ts';
import { acknowledgeEvents, publishEvent, pullEvents } from './events.ts';
import type { Exchange, GatewayDeps } from './exchange.ts';
import { isSegment } from './identifiers.ts';
import { declaredSha256 } from './signing.ts';
import type { SubsystemView } from './snapshot.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The signed side of asynchronous exchange, authenticated like the gateway (the same first three
 * checks: client header, RFC 9421 signature, single-use nonce):
 *   POST /e1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{eventCode}   publish (the caller is the publisher)
 *   GET  /e1/subscriptions/{id}/events?max=N                          pull (the caller is the subscriber)
 *   POST /e1/subscriptions/{id}/ack                                   acknowledge pulled events
 */
export async function eventRoutes(app: FastifyInstance, opts: { deps: GatewayDeps }): Promise<void> {
  const { deps } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: 256 * 1024 },
    (_req, body, done) => done(null, body),
  );

  async function authenticate(request: FastifyRequest, body: Buffer | undefined): Promise<SubsystemView> {
    const exchange: Exchange = {
      request,
      id: randomUUID(),
      startedAt: deps.clock(),
      startedNs: process.hrtime.bigint(),
      rawPath: '',
      rawQuery: '',
      snapshot: deps.snapshot(),
      xroadId: randomUUID(),
      userId: null,
      issue: null,
      subject: null,
      hasBody: body !== undefined && body.length > 0,
      consentId: null,
      legalBasis: null,
      logged: false,
    };
    await identifyClient(exchange, deps);
    await verifySignature(exchange, deps);
    await rejectReplay(exchange, deps);
    if (exchange.hasBody) {
      const declared = declaredSha256(header(request.headers['content-digest']));
      const actual = createHash('sha256')
        .update(body ?? Buffer.alloc(0))
        .digest();
      if (!declared?.equals(actual)) throw new Problem('bridge-digest-mismatch');
    }
    const client = exchange.client;
    if (!client?.active)
      throw new Problem('bridge-member-suspended', 'The client member or subsystem is not active');
    return client;
  }

  const handle =
    (fn: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(request, reply);
      } catch (err) {
        if (err instanceof Problem) return sendProblem(request, reply, err);
        throw err;
      }
    };

  app.post(
    '/e1/*',
    { config: { access: 'signed' }, schema: { hide: true } },
    handle(async (request, reply) => {
      const body = request.body as Buffer | undefined;
      const client = await authenticate(request, body);
      const segments = (request.params as { '*': string })['*'].split('/');
      if (segments.length !== 5 || !segments.every(isSegment))
        throw new Problem('bridge-invalid-path', 'Publish to /e1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/EVENT');
      if (segments.slice(0, 4).join('/') !== client.clientId)
        throw new Problem('bridge-access-denied', 'A subsystem publishes only its own event types');
      let payload: unknown;
      try {
        payload = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
      } catch {
        throw new Problem('invalid-json');
      }
      const eventId = header(request.headers['x-road-event-id']);
      if (eventId !== undefined && !uuid.test(eventId))
        throw new Problem('validation-failed', 'X-Road-Event-Id must be a UUID');
      const subject = header(request.headers['x-jokko-subject']);
      const result = await publishEvent(
        deps.database,
        client,
        {
          eventCode: segments[4] ?? '',
          payload,
          subject: subject && /^[A-Za-z0-9]{4,32}$/.test(subject) ? subject : null,
          ...(eventId ? { eventId } : {}),
        },
        deps.clock(),
      );
      return reply.code(result.duplicate ? 200 : 202).send(result);
    }),
  );

  app.get(
    '/e1/subscriptions/:id/events',
    { config: { access: 'signed' }, schema: { hide: true } },
    handle(async (request) => {
      const client = await authenticate(request, undefined);
      const max = Math.min(100, Math.max(1, Number((request.query as { max?: string }).max ?? 10) || 10));
      const events = await pullEvents(
        deps.database,
        client,
        (request.params as { id: string }).id,
        max,
        deps.clock(),
      );
      return { events };
    }),
  );

  app.post(
    '/e1/subscriptions/:id/ack',
    { config: { access: 'signed' }, schema: { hide: true } },
    handle(async (request) => {
      const body = request.body as Buffer | undefined;
      const client = await authenticate(request, body);
      let ids: unknown;
      try {
        ids = (JSON.parse((body ?? Buffer.alloc(0)).toString('utf8')) as { ids?: unknown }).ids;
      } catch {
        throw new Problem('invalid-json');
      }
      if (!Array.isArray(ids) || ids.length > 100 || !ids.every((i) => typeof i === 'string'))
        throw new Problem('validation-failed', 'Send {"ids": [event ids]}, at most 100');
      const acknowledged = await acknowledgeEvents(
        deps.database,
        client,
        (request.params as { id: string }).id,
        ids as string[],
        deps.clock(),
      );
      return { acknowledged };
    }),
  );
}
