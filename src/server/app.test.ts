import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createTestDatabase, testEngines } from './platform/db/testing.ts';
import { problemType } from './platform/http/problems.ts';
import { createTestApp, type TestApp } from './testing.ts';

const problemJson = /^application\/problem\+json/;

describe.each(testEngines())('HTTP platform on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      kind,
      { BODY_LIMIT: '2kb' },
      {
        beforeReady(app) {
          // Test-only routes that exercise the platform's body parsing, validation and failure paths.
          app.post(
            '/test/echo',
            {
              config: { access: 'public' },
              schema: {
                body: Type.Object(
                  { name: Type.String({ minLength: 2 }), age: Type.Integer({ minimum: 0 }) },
                  { additionalProperties: false },
                ),
                response: { 200: Type.Object({ name: Type.String(), age: Type.Integer() }) },
              },
            },
            async (request) => request.body as { name: string; age: number },
          );
          app.get(
            '/test/whoami/:nin',
            { config: { access: 'authenticated', audience: ['operator'] } },
            async (request) => ({
              kind: request.actor?.kind,
              id: request.actor?.id,
            }),
          );
          app.get('/test/boom', { config: { access: 'public' } }, async () => {
            throw new Error('database password is hunter2 at /srv/secret.ts:12');
          });
        },
      },
    );
  });
  afterAll(async () => t.dispose());

  it('answers an unknown route with a 404 problem', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/no-such-thing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(problemJson);
    expect(res.json()).toMatchObject({
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      instance: '/v1/no-such-thing',
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers bad JSON with a 400 invalid-json problem', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "Awa", ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(problemJson);
    expect(res.json().type).toBe(problemType('invalid-json'));
  });

  it('answers schema violations field by field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'A', age: -1, extra: true },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.type).toBe(problemType('validation-failed'));
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(['/age', '/extra', '/name']);
    expect(body.errors.every((e: { in: string }) => e.in === 'body')).toBe(true);
  });

  it('answers a missing required field with its pointer', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/test/echo', payload: { name: 'Awa' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ in: 'body', pointer: '/age', detail: expect.any(String) }]);
  });

  it('answers an oversized body with 413 (limit from BODY_LIMIT)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: { name: 'x'.repeat(4096), age: 1 },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().type).toBe(problemType('payload-too-large'));
  });

  it('answers an unsupported media type with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().type).toBe(problemType('unsupported-media-type'));
  });

  it('answers an internal error with a bare 500: no message, no stack', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      type: problemType('internal-error'),
      title: 'Internal error',
      status: 500,
      instance: '/test/boom',
      requestId: expect.any(String),
    });
    expect(res.body).not.toMatch(/hunter2|secret\.ts|at /);
    // The details stay in the log for the operators.
    expect(t.logs.join('')).toMatch(/unhandled error/);
  });

  it('accepts a well-formed caller request id and returns it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bank-trace-0001' },
    });
    expect(res.headers['x-request-id']).toBe('bank-trace-0001');
    const bad = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'not an id; <script>' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves liveness and readiness', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('serves Prometheus metrics with request durations by route pattern', async () => {
    await t.app.inject({ method: 'GET', url: '/health/live' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/jokko_http_request_duration_seconds_count\{[^}]*route="\/health\/live"/);
    expect(res.body).toMatch(/jokko_process_cpu_seconds_total/);
  });

  it('serves an OpenAPI 3.1 document in which every operation has schemas and problem answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health/ready']).toBeDefined();
    expect(doc.components.schemas.Problem).toBeDefined();
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { responses: object }>>,
    )) {
      if (path.startsWith('/test/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        expect(codes, `${method} ${path}`).toContain('4XX');
        expect(
          codes.some((c) => /^2\d\d$/.test(c)),
          `${method} ${path} documents its success answer`,
        ).toBe(true);
      }
    }
  });

  it('serves the interactive API reference at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger-ui/i);
  });

  it('refuses an authenticated route without a key, with a bad key and with a revoked key', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/test/whoami/1234567890123' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json().type).toBe(problemType('unauthenticated'));
    const bad = await t.app.inject({
      method: 'GET',
      url: '/test/whoami/1234567890123',
      headers: { authorization: `Bearer jk_${'A'.repeat(43)}` },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/invalid_token/);
  });

  it('knows the caller behind a valid key', async () => {
    const key = await t.keyFor({ kind: 'operator', id: 'op-awa', roles: [] });
    const res = await t.app.inject({
      method: 'GET',
      url: '/test/whoami/1234567890123',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ kind: 'operator', id: 'op-awa' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('keeps keys, cookies and NINs out of the logs', async () => {
    const key = await t.keyFor({ roles: [] });
    const nin = '2980512345678';
    await t.app.inject({
      method: 'GET',
      url: `/test/whoami/${nin}?nin=${nin}`,
      headers: { authorization: `Bearer ${key}`, cookie: 'session=topsecret' },
    });
    const logs = t.logs.join('');
    expect(logs).toContain('/test/whoami/:nin');
    expect(logs).not.toContain(nin);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain('topsecret');
  });

  it('sets security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });
});

describe('route declarations', () => {
  it('refuse to start with a route that does not declare who may call it', async () => {
    const db = await createTestDatabase('pglite');
    try {
      const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: db.database });
      app.get('/v1/forgotten', async () => ({}));
      await expect(app.ready()).rejects.toThrow(/routes without config.access: GET \/v1\/forgotten/);
      await app.close().catch(() => {});
    } finally {
      await db.dispose();
    }
  });
});

describe('web app', () => {
  it('serves the built web app at / and its shell for client-side routes, never for API paths', async () => {
    const webDir = mkdtempSync(join(tmpdir(), 'jokko-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Jokko</title>');
    const t = await createTestApp('pglite', {}, { webDir });
    try {
      const home = await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect(home.statusCode).toBe(200);
      expect(home.body).toContain('<title>Jokko</title>');
      const deep = await t.app.inject({
        method: 'GET',
        url: '/services/123',
        headers: { accept: 'text/html' },
      });
      expect(deep.body).toContain('<title>Jokko</title>');
      const api = await t.app.inject({ method: 'GET', url: '/v1/nothing', headers: { accept: 'text/html' } });
      expect(api.statusCode).toBe(404);
      expect(api.headers['content-type']).toMatch(problemJson);
    } finally {
      await t.dispose();
    }
  });
});

describe('readiness', () => {
  it('reports 503 when the database is gone', async () => {
    const t = await createTestApp('pglite');
    try {
      await t.db.database.close();
      const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().type).toBe(problemType('unavailable'));
    } finally {
      await t.app.close();
    }
  });
});
