import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemType } from './platform/http/problems.ts';
import { overHttps } from './platform/http/security-headers.ts';
import { createTestApp, type TestApp } from './testing.ts';

const protective = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

describe('HTTP security headers (ASVS 5.0 V3.4): every answer carries them, API, page and problem alike', () => {
  let t: TestApp;
  let partnerKey: string;

  beforeAll(async () => {
    const webDir = mkdtempSync(join(tmpdir(), 'jokko-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Jokko</title>');
    // Behind a TLS-terminating proxy, as SECURITY.md asks of a deployment.
    t = await createTestApp('pglite', { TRUST_PROXY: 'true' }, { webDir });
    partnerKey = await t.keyFor({ kind: 'partner', roles: [] });
  }, 120_000);
  afterAll(async () => t?.dispose());

  const answers = () =>
    [
      ['an API answer', { method: 'GET', url: '/health/live' }, 200, /^application\/json/],
      [
        'a page of the web app',
        { method: 'GET', url: '/app/consents', headers: { accept: 'text/html' } },
        200,
        /^text\/html/,
      ],
      ['a 404 problem', { method: 'GET', url: '/v1/nothing-here' }, 404, /^application\/problem\+json/],
      ['a 401 problem', { method: 'GET', url: '/v1/me' }, 401, /^application\/problem\+json/],
      [
        'a 403 problem',
        { method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${partnerKey}` } },
        403,
        /^application\/problem\+json/,
      ],
      [
        'a 400 problem',
        { method: 'POST', url: '/v1/partners/applications', payload: { nothing: true } },
        400,
        /^application\/problem\+json/,
      ],
    ] as const;

  it('sends nosniff, no referrer, no framing, its own browsing context and a strict CSP on every kind of answer', async () => {
    for (const [what, request, status, type] of answers()) {
      const res = await t.app.inject(request as InjectOptions);
      expect(res.statusCode, what).toBe(status);
      expect(res.headers['content-type'], what).toMatch(type);
      expect(res.headers, what).toMatchObject(protective);
      const csp = String(res.headers['content-security-policy']);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ])
        expect(csp, what).toContain(directive);
      expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers, what).not.toHaveProperty('strict-transport-security');
      expect(res.headers, what).not.toHaveProperty('x-powered-by');
      if (status >= 400) expect(res.json().type, what).toMatch(/^urn:jokko:problem:/);
    }
  });

  it('sends HSTS for a year, subdomains included, on every answer that came over TLS through the trusted proxy', async () => {
    for (const [what, request] of answers()) {
      const res = await t.app.inject({
        ...(request as object),
        headers: { ...('headers' in request ? request.headers : {}), 'x-forwarded-proto': 'https' },
      } as InjectOptions);
      expect(res.headers['strict-transport-security'], what).toBe('max-age=31536000; includeSubDomains');
    }
    expect(overHttps({ protocol: 'http' } as FastifyRequest, 'https://jokko.example')).toBe(true);
    expect(overHttps({ protocol: 'http' } as FastifyRequest, 'http://localhost:3000')).toBe(false);
  });

  it("gives the OpenID provider's own answers the same headers", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/oidc/.well-known/openid-configuration',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      ...protective,
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
    });
  });

  it('marks answers of authenticated routes, refusals included, as not to be stored', async () => {
    const refused = await t.app.inject({ method: 'GET', url: '/v1/me' });
    expect(refused.json().type).toBe(problemType('unauthenticated'));
    expect(refused.headers['cache-control']).toBe('no-store');
  });
});
