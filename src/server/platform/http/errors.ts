import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type InvalidParam, Problem, type ProblemBody, type ProblemSlug } from './problems.ts';

/**
 * Turns every failure into an RFC 9457 answer: schema violations field by field, parser errors
 * with their own types, and anything unexpected as a bare 500 whose details stay in the log.
 */

const fastifyCodes: Record<string, ProblemSlug> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function invalidParams(error: FastifyError): InvalidParam[] {
  const location = (error as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  return ((error.validation ?? []) as ValidationIssue[]).map((issue) => {
    let pointer = issue.instancePath ?? '';
    // A missing property is reported on its parent; point at the property itself.
    if (issue.keyword === 'required' && typeof issue.params?.missingProperty === 'string') {
      pointer = `${pointer}/${issue.params.missingProperty}`;
    }
    if (issue.keyword === 'additionalProperties' && typeof issue.params?.additionalProperty === 'string') {
      pointer = `${pointer}/${issue.params.additionalProperty}`;
    }
    return { in: location, pointer: pointer || '/', detail: issue.message ?? 'is invalid' };
  });
}

/** PostgreSQL refuses a NUL inside text (SQLSTATE 22021) wherever a request's string reaches a query. */
function holdsNul(error: unknown): boolean {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) if (e.code === '22021') return true;
  return false;
}

export function problemFromError(error: unknown): { problem: Problem; internal: boolean } {
  if (error instanceof Problem) return { problem: error, internal: false };
  const e = error as FastifyError;
  if (e?.validation) {
    const errors = invalidParams(e);
    return {
      problem: new Problem(
        'validation-failed',
        errors.map((x) => `${x.in}${x.pointer} ${x.detail}`).join('; '),
        {
          errors,
        },
      ),
      internal: false,
    };
  }
  const slug = e?.code ? fastifyCodes[e.code] : undefined;
  if (slug) return { problem: new Problem(slug, e.message), internal: false };
  if (holdsNul(error))
    return {
      problem: new Problem(
        'bad-request',
        'A text value holds a NUL character, which cannot be stored or searched',
      ),
      internal: false,
    };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return { problem: new Problem('rate-limited'), internal: false };
  if (status >= 400 && status < 500)
    return { problem: new Problem('bad-request', e.message), internal: false };
  return { problem: new Problem('internal-error'), internal: true };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  const body: ProblemBody = {
    ...problem.toBody(),
    instance: request.url.split('?')[0],
    requestId: request.id,
  };
  return reply.status(problem.status).type('application/problem+json').send(body);
}

/**
 * Paths the router cannot decode (invalid percent-encoding) or whose segment is too long never
 * reach the error handler; Fastify's `frameworkErrors` option sends them here.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendProblem(request, reply, new Problem('uri-too-long'));
  if (error.code === 'FST_ERR_BAD_URL')
    return sendProblem(request, reply, new Problem('bad-request', 'The path is not validly percent-encoded'));
  return sendProblem(request, reply, problemFromError(error).problem);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { problem, internal } = problemFromError(error);
    if (internal) request.log.error({ err: error }, 'unhandled error');
    else if (problem.status >= 500) request.log.warn({ err: error }, problem.detail ?? problem.message);
    return sendProblem(request, reply, problem);
  });
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (bytes not allowed in a header,
 * headers over the size limit, a request that never finishes) get a problem too: Fastify's own
 * answer is plain JSON of another shape. Fastify's `clientErrorHandler` option.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const slug: ProblemSlug =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'headers-too-large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request-timeout'
        : 'bad-request';
  const problem = new Problem(slug);
  const body = JSON.stringify(problem.toBody());
  const { status } = problem;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
