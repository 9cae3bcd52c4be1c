import { createHash, type Hash, randomUUID } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createSigner, httpbis } from 'http-message-signatures';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { Agent, errors as undiciErrors } from 'undici';
import { sendProblem } from '../../platform/http/errors.ts';
import { type OutboundGuard, type OutboundRefused, outboundRefusal } from '../../platform/http/outbound.ts';
import { Problem } from '../../platform/http/problems.ts';
import type { Exchange, GatewayDeps } from './exchange.ts';
import type { ExchangeRecord } from './message-log.ts';
import { runPipeline } from './pipeline.ts';
import { contentDigestValue, declaredSha256 } from './signing.ts';

const xroadIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const userIdPattern = /^[\p{L}\p{N} ._:@/-]{1,128}$/u;
const forwardedRequestHeaders = ['content-type', 'accept', 'accept-language', 'content-language'];
const forwardedResponseHeaders = [
  'content-type',
  'content-language',
  'content-encoding',
  'cache-control',
  'etag',
  'last-modified',
  'retry-after',
];

/**
 * Counts bytes, enforces the body limit and hashes the body while it streams to the backend. The
 * last chunk is held back until the digest is known, so a backend never receives the whole of a
 * body that does not match its signed Content-Digest: the bridge breaks the upload off instead.
 */
class DigestGate extends Transform {
  bytes = 0;
  digest: Buffer | undefined;
  failure: Problem | undefined;
  readonly #hash: Hash = createHash('sha256');
  #held: Buffer | undefined;
  readonly #limit: number;
  readonly #expected: Buffer | undefined;
  readonly #beforeLast: ((digest: Buffer) => Promise<void>) | undefined;

  constructor(limit: number, expected?: Buffer, beforeLast?: (digest: Buffer) => Promise<void>) {
    super();
    this.#limit = limit;
    this.#expected = expected;
    this.#beforeLast = beforeLast;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#limit) {
      this.failure = new Problem('bridge-body-too-large', `The body exceeds ${this.#limit} bytes`);
      done(this.failure);
      return;
    }
    this.#hash.update(chunk);
    if (this.#held) this.push(this.#held);
    this.#held = chunk;
    done();
  }
  override _flush(done: TransformCallback): void {
    this.digest = this.#hash.digest();
    if (this.#expected && !this.#expected.equals(this.digest)) {
      this.failure = new Problem('bridge-digest-mismatch');
      done(this.failure);
      return;
    }
    const finish = () => {
      if (this.#held) this.push(this.#held);
      done();
    };
    if (this.#beforeLast) this.#beforeLast(this.digest).then(finish, (err: unknown) => done(err as Error));
    else finish();
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Keeps only the consented fields of a JSON answer: the top-level keys of an object, or of each
 * object in an array. Anything else cannot be filtered safely and is refused.
 */
export function keepFields(body: Buffer, fields: readonly string[]): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Problem(
      'bridge-provider-error',
      'The answer is not JSON, so the consented fields cannot be kept',
    );
  }
  const pick = (o: unknown) => {
    if (!o || typeof o !== 'object' || Array.isArray(o))
      throw new Problem(
        'bridge-provider-error',
        'The answer is not an object (or a list of objects) to filter',
      );
    return Object.fromEntries(Object.entries(o).filter(([k]) => fields.includes(k)));
  };
  return Buffer.from(JSON.stringify(Array.isArray(value) ? value.map(pick) : pick(value)));
}

export interface GatewayOptions {
  deps: GatewayDeps;
  /** Refuses backends on internal networks the operator did not list (runtime.ts). */
  backends: OutboundGuard;
  metrics?: Registry;
}

/** A refused backend answers like an unreachable one, naming the class of address, never the address. */
const refusedBackend = (serviceId: string, refused: OutboundRefused) =>
  new Problem(
    'bridge-provider-error',
    `${serviceId} is not called: its backend is refused (${refused.message})`,
    {
      reason: refused.reason,
    },
  );

/**
 * `METHOD /r1/{serviceId}/{path}`, X-Road's REST protocol: the checks in pipeline.ts, then the
 * request streams to the provider's backend and the answer back, each exchange logged (and
 * committed) before the client sees its end.
 */
export async function gatewayRoutes(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { deps, backends } = opts;
  // New connections resolve through the guard, so they reach only the addresses it just checked.
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: 256,
    connect: { lookup: backends.lookup },
  });
  app.addHook('onClose', async () => {
    await agent.close();
  });
  const histogram = opts.metrics
    ? new Histogram({
        name: 'jokko_bridge_exchange_duration_seconds',
        help: 'Exchanges through the bridge gateway by service, client and status',
        labelNames: ['service', 'client', 'status'] as const,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers: [opts.metrics],
      })
    : undefined;
  const providerUp = opts.metrics
    ? new Gauge({
        name: 'jokko_bridge_provider_up',
        help: "1 when the service's backend answered the last call through this node, 0 when it failed or timed out",
        labelNames: ['service'] as const,
        registers: [opts.metrics],
      })
    : undefined;

  // Bodies stay streams: nothing is parsed or buffered by Fastify on this route.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/r1/*',
    config: { access: 'signed' },
    schema: { hide: true },
    bodyLimit: deps.limits.bodyBytes,
    handler: async (request, reply) => {
      const exchange = startExchange(request, deps);
      try {
        await runPipeline(exchange, deps);
        return await forward(exchange, reply);
      } catch (err) {
        const problem = err instanceof Problem ? err : undefined;
        if (!problem) request.log.error({ err }, 'bridge exchange failed');
        const answer = problem ?? new Problem('internal-error');
        request.raw.resume();
        // An authenticated caller's refused or failed exchange is logged too, once.
        if (exchange.keyid && !exchange.logged)
          await logExchange(exchange, answer.status, answer.slug, null, 0, 0, null).catch((logErr: unknown) =>
            request.log.error({ err: logErr }, 'bridge message log write failed'),
          );
        observe(exchange, answer.status);
        reply.header('x-road-id', exchange.xroadId);
        if (typeof answer.extensions?.retryAfterSeconds === 'number')
          reply.header('retry-after', String(answer.extensions.retryAfterSeconds));
        if (reply.sent) return reply;
        return sendProblem(request, reply, answer);
      }
    },
  });

  function startExchange(request: FastifyRequest, d: GatewayDeps): Exchange {
    const url = request.url;
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).slice('/r1/'.length);
    const given = headerValue(request.headers['x-road-id']);
    const userId = headerValue(request.headers['x-road-userid']);
    const issue = headerValue(request.headers['x-road-issue']);
    const subject = headerValue(request.headers['x-jokko-subject']);
    const length = request.headers['content-length'];
    return {
      request,
      id: randomUUID(),
      startedAt: d.clock(),
      startedNs: process.hrtime.bigint(),
      rawPath: path,
      rawQuery: q === -1 ? '' : url.slice(q + 1),
      snapshot: d.snapshot(),
      xroadId: given && xroadIdPattern.test(given) ? given : randomUUID(),
      userId: userId && userIdPattern.test(userId) ? userId : null,
      issue: issue && userIdPattern.test(issue) ? issue : null,
      subject: subject && /^[A-Za-z0-9]{4,32}$/.test(subject) ? subject : null,
      hasBody: (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined,
      consentId: null,
      legalBasis: null,
      logged: false,
    };
  }

  function observe(exchange: Exchange, status: number, fromBackend = false) {
    const service = exchange.service?.serviceId;
    if (service && fromBackend) providerUp?.set({ service }, 1);
    else if (service && (status === 502 || status === 504)) providerUp?.set({ service }, 0);
    histogram?.observe(
      {
        service: exchange.service?.serviceId ?? 'unknown',
        client: exchange.client?.clientId ?? 'unknown',
        status: String(status),
      },
      Number(process.hrtime.bigint() - exchange.startedNs) / 1e9,
    );
  }

  /** X-Road-Request-Hash: computed once per exchange, sent in the answer and kept in the log. */
  function requestHash(exchange: Exchange): string {
    const { headers } = exchange.request;
    exchange.requestHash ??= createHash('sha256')
      .update(`${headerValue(headers['signature-input'])}\n${headerValue(headers.signature)}`)
      .digest('base64');
    return exchange.requestHash;
  }

  async function logExchange(
    exchange: Exchange,
    status: number,
    problem: string | null,
    responseHash: string | null,
    requestBytes: number,
    responseBytes: number,
    backendMs: number | null,
  ) {
    exchange.logged = true;
    const record: ExchangeRecord = {
      id: exchange.id,
      xroadId: exchange.xroadId,
      client: exchange.client?.clientId ?? 'unknown',
      service: exchange.service?.serviceId ?? exchange.rawPath.split('/').slice(0, 5).join('/'),
      method: exchange.request.method,
      endpoint: exchange.endpoint ? `${exchange.endpoint.method} ${exchange.endpoint.path}` : null,
      userId: exchange.userId,
      issue: exchange.issue,
      subject: exchange.subject,
      consentId: exchange.consentId ?? (exchange.legalBasis ? `legal-basis:${exchange.legalBasis}` : null),
      requestHash: requestHash(exchange),
      responseHash,
      status,
      problem,
      requestBytes,
      responseBytes,
      startedAt: exchange.startedAt.toISOString(),
      durationMs: Number(process.hrtime.bigint() - exchange.startedNs) / 1e6,
      backendMs,
    };
    const forwarded = problem === null;
    const logged = await deps.log.append(record, forwarded ? exchange.right?.id : undefined);
    // The quota counted this call as pending; now it is in the usage table, or was never forwarded.
    if (exchange.quotaDay && exchange.right && exchange.client)
      deps.quotas.settle(exchange.right.id, exchange.client.clientId, exchange.quotaDay, forwarded);
    return logged;
  }

  async function forward(exchange: Exchange, reply: FastifyReply) {
    const { request } = exchange;
    const service = exchange.service;
    const target = exchange.target;
    if (!service || !target) throw new Problem('internal-error');
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > deps.limits.bodyBytes)
      throw new Problem('bridge-body-too-large', `The body exceeds ${deps.limits.bodyBytes} bytes`);
    // Checked again at each call (the verdict on a host is kept 30 s): the operator's list or the
    // host's addresses may have changed since the registration.
    try {
      await backends.check(target);
    } catch (err) {
      const refused = outboundRefusal(err);
      throw refused ? refusedBackend(service.serviceId, refused) : err;
    }

    const headers: Record<string, string> = {
      'x-road-client': exchange.client?.clientId ?? '',
      'x-road-id': exchange.xroadId,
      'x-road-service': service.serviceId,
    };
    if (service.backendToken) headers.authorization = `Bearer ${service.backendToken}`;
    if (exchange.userId) headers['x-road-userid'] = exchange.userId;
    if (exchange.issue) headers['x-road-issue'] = exchange.issue;
    if (exchange.subject) headers['x-jokko-subject'] = exchange.subject;
    if (exchange.consentId) headers['x-jokko-consent'] = exchange.consentId;
    if (exchange.legalBasis) headers['x-jokko-legal-basis'] = exchange.legalBasis;
    // The provider may answer with these fields only; the bridge removes any others anyway.
    if (exchange.fields) headers['x-jokko-fields'] = exchange.fields.join(',');
    for (const name of forwardedRequestHeaders) {
      const v = headerValue(request.headers[name]);
      if (v) headers[name] = v;
    }

    let gate: DigestGate | undefined;
    let requestDone: Promise<void> = Promise.resolve();
    if (exchange.hasBody) {
      const expected = declaredSha256(headerValue(request.headers['content-digest']));
      if (!expected) throw new Problem('bridge-digest-mismatch', 'A body needs a sha-256 Content-Digest');
      gate = new DigestGate(deps.limits.bodyBytes, expected);
      if (request.headers['content-length']) headers['content-length'] = String(declaredLength);
      const g = gate;
      requestDone = new Promise((resolve, reject) => {
        g.on('end', resolve);
        g.on('error', reject);
      });
      // Awaited below once the provider answers; until then a failure must not go unhandled.
      requestDone.catch(() => undefined);
      request.raw.on('error', (err) => g.destroy(err));
      request.raw.pipe(g);
    }

    const backendStart = process.hrtime.bigint();
    let response: Awaited<ReturnType<Agent['request']>>;
    try {
      response = await agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: request.method as 'GET',
        headers,
        body: gate ?? null,
        headersTimeout: service.timeoutMs,
        bodyTimeout: service.timeoutMs,
      });
    } catch (err) {
      if (gate?.failure) throw gate.failure;
      const refused = outboundRefusal(err);
      if (refused) throw refusedBackend(service.serviceId, refused);
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError)
        throw new Problem(
          'bridge-provider-timeout',
          `${service.serviceId} did not answer within ${service.timeoutMs} ms`,
        );
      throw new Problem('bridge-provider-error', `${service.serviceId} could not be reached`);
    }
    try {
      // A provider may answer before it has read the whole body; the body must still match.
      await requestDone;
    } catch (err) {
      response.body.destroy();
      throw gate?.failure ?? new Problem('bridge-provider-error', (err as Error).message);
    }
    const backendHeadersMs = Number(process.hrtime.bigint() - backendStart) / 1e6;

    reply.code(response.statusCode);
    for (const name of forwardedResponseHeaders) {
      const v = headerValue(response.headers[name] as string | string[] | undefined);
      if (v) reply.header(name, v);
    }
    const reqHash = requestHash(exchange);
    reply.header('x-road-id', exchange.xroadId);
    reply.header('x-road-request-hash', reqHash);
    reply.header('x-road-client', exchange.client?.clientId ?? '');
    const requestBytes = gate?.bytes ?? 0;
    const length = Number(response.headers['content-length']);

    // A consent that names fields needs the whole answer to filter it: such answers are buffered.
    if (exchange.fields && !(Number.isFinite(length) && length <= deps.limits.bufferBytes)) {
      response.body.destroy();
      throw new Problem(
        'bridge-provider-error',
        'An answer to filter must be sized and within the buffer limit',
      );
    }
    if (Number.isFinite(length) && length <= deps.limits.bufferBytes) {
      let body: Buffer;
      try {
        body = Buffer.from(await response.body.arrayBuffer());
      } catch (err) {
        if (err instanceof undiciErrors.BodyTimeoutError)
          throw new Problem(
            'bridge-provider-timeout',
            `${service.serviceId} did not finish its answer in time`,
          );
        throw new Problem('bridge-provider-error', `${service.serviceId} broke off its answer`);
      }
      if (exchange.fields && response.statusCode < 300) body = keepFields(body, exchange.fields);
      const digest = createHash('sha256').update(body).digest();
      await logExchange(
        exchange,
        response.statusCode,
        null,
        digest.toString('hex'),
        requestBytes,
        body.length,
        Number(process.hrtime.bigint() - backendStart) / 1e6,
      );
      reply.header('content-digest', contentDigestValue(digest));
      await signResponse(reply, response.statusCode, reqHash, exchange.xroadId);
      observe(exchange, response.statusCode, true);
      return reply.send(body);
    }

    // Large or unsized answers stream through; the log record is committed before the last
    // chunk leaves, so a client that received the whole answer can rely on the log having it.
    const out = new DigestGate(Number.POSITIVE_INFINITY, undefined, async (digest) => {
      await logExchange(
        exchange,
        response.statusCode,
        null,
        digest.toString('hex'),
        requestBytes,
        out.bytes,
        backendHeadersMs,
      );
      observe(exchange, response.statusCode, true);
    });
    response.body.on('error', (err) => out.destroy(err));
    return reply.send(response.body.pipe(out));
  }

  async function signResponse(reply: FastifyReply, status: number, reqHash: string, xroadId: string) {
    const key = deps.bridgeKey();
    const signed = await httpbis.signMessage(
      {
        key: createSigner(key.privateKey, 'ed25519', key.kid),
        name: 'bridge',
        fields: ['@status', 'content-digest', 'x-road-id', 'x-road-request-hash'],
        params: ['created', 'keyid', 'alg'],
      },
      {
        status,
        headers: {
          'content-digest': String(reply.getHeader('content-digest')),
          'x-road-id': xroadId,
          'x-road-request-hash': reqHash,
        },
      },
    );
    const headers = signed.headers as Record<string, string | string[] | undefined>;
    reply.header('signature-input', headers['Signature-Input']);
    reply.header('signature', headers.Signature);
  }
}
