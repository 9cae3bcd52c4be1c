import type { FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import type { LogLevel } from '../config.ts';

/**
 * Structured JSON logs. Two rules: no secrets (credentials, tokens, cookies) and no personal data
 * (NINs, names, contact details). URLs are logged as their route pattern only, because paths and
 * query strings carry NINs (`/v1/registries/people/:nin`).
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.clientSecret',
  '*.databaseUrl',
  '*.nin',
  '*.phone',
  '*.email',
];

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: {
      req(req: FastifyRequest) {
        return {
          id: req.id,
          method: req.method,
          route: req.routeOptions?.url ?? 'unmatched',
        };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  };
}
