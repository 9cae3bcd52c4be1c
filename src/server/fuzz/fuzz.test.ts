import { connect } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../shared/countries/index.ts';
import {
  accessTokenFor,
  createAccount,
  registerConfidentialTwin,
  superAppClientId,
} from '../modules/identity/index.ts';
import { seedDemoCountry } from '../modules/registries/index.ts';
import { testEngines } from '../platform/db/testing.ts';
import { createTestApp, freePort, type TestApp } from '../testing.ts';
import {
  type HostileRequest,
  hostileRequests,
  type Operation,
  operationsOf,
  rawSocketRequests,
} from './hostile-requests.ts';

/**
 * Property: whatever hostile request reaches any operation of the OpenAPI document, anonymously or
 * with a citizen's or an operator's credentials, the answer is a 4xx problem (or, for a well-formed
 * read, at least not a 5xx), no stack or SQL leaks, no table changes, Object.prototype stays clean
 * and the server stays ready. FUZZ_SEED replays a run; FUZZ_RUNS runs longer (default 3 per
 * operation); FUZZ_ONLY=<regex> keeps the operations whose 'METHOD /path' matches.
 */

// CI replays one fixed seed, so a red build is never a roll of the dice; local runs draw a new one.
const seed = Number(
  process.env.FUZZ_SEED ?? (process.env.CI === 'true' ? 20_261_129 : Math.floor(Math.random() * 2 ** 31)),
);
const runs = Number(process.env.FUZZ_RUNS ?? 3);
const password = 'Fuzz-Teranga-2026!';
const secret = 'a-fuzzing-secret-that-is-long-enough-0123';

/**
 * Tables a refused request may legitimately write, left out of the state digest:
 * - audit_log and the tables that grow with it (audit_*: its hash tree and signing keys): refusals
 *   of rights (forbidden) and reads of personal data are audited by design;
 * - rate_limit_counters: refused requests count towards the limits they are meant to enforce;
 * - oidc_payloads: the provider's ephemeral storage (sessions, grants, token lookups);
 * - api_keys: authenticating a key stamps its last use.
 */
const growsOnRefusal = new Set(['audit_log', 'rate_limit_counters', 'oidc_payloads', 'api_keys']);

const leaks = [
  /\n\s+at /,
  /node:internal/,
  /\.ts:\d+/,
  /syntax error at/i,
  /invalid input syntax/i,
  /violates [a-z ]*constraint/i,
  /relation "/,
  /column "/,
  /\bERROR:/,
  /pglite/i,
];

describe.each(testEngines())('fuzzing every operation of the OpenAPI document on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let operations: Operation[];
  const tokens: Record<string, string> = {};
  let digestBefore: Record<string, string>;
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  const digest = async () => {
    const tables = await t.db.database.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const out: Record<string, string> = {};
    for (const { table_name: table } of tables) {
      if (growsOnRefusal.has(table) || table.startsWith('audit_')) continue;
      const [row] = await t.db.database.query<{ d: string }>(
        `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS d FROM "${table}" x`,
      );
      out[table] = row!.d;
    }
    return out;
  };

  const send = async (r: HostileRequest) => {
    const headers = { ...r.headers };
    if (headers.authorization)
      headers.authorization = headers.authorization
        .replace('{citizen}', tokens.citizen!)
        .replace('{operator}', tokens.operator!);
    const res = await request(`${base}${r.url}`, {
      method: r.method as 'GET',
      headers,
      body: r.body ?? null,
      headersTimeout: 20_000,
      bodyTimeout: 20_000,
    });
    return {
      status: res.statusCode,
      type: String(res.headers['content-type'] ?? ''),
      injected: 'x-injected' in res.headers || String(res.headers['set-cookie'] ?? '').includes('injected'),
      text: await res.body.text(),
    };
  };

  /** The rule each answer must keep; a string says how it broke it. */
  const judge = (r: HostileRequest, a: { status: number; type: string; injected: boolean; text: string }) => {
    if (a.status >= 500) return `answered ${a.status}`;
    if (a.injected) return 'answered with a header the request injected';
    if (r.refusals.length && a.status < 400) return `answered ${a.status} to a request it must refuse`;
    if (a.status < 400) return undefined;
    if (!a.type.startsWith('application/problem+json'))
      return `answered ${a.status} as ${a.type || 'no type'}`;
    let body: { type?: unknown; title?: unknown; status?: unknown };
    try {
      body = JSON.parse(a.text);
    } catch {
      return `answered ${a.status} with a body that is not JSON`;
    }
    if (typeof body.type !== 'string' || typeof body.title !== 'string' || body.status !== a.status)
      return `answered ${a.status} with an incomplete problem`;
    const leak = leaks.find((pattern) => pattern.test(a.text));
    if (leak) return `answered ${a.status} leaking ${leak}`;
    return undefined;
  };

  // A generous timeout: the seed and the sign-in are slow on a busy two-core machine.
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 8, seed: 'fuzz' });
    await t.app.listen({ host: '127.0.0.1', port });
    const [adult] = await t.db.database.query<{ nin: string }>(
      `SELECT nin FROM people WHERE death_date IS NULL AND birth_date < '2000-01-01' ORDER BY nin LIMIT 1`,
    );
    await createAccount(t.db.database, adult!.nin, password);
    const twin = { clientId: superAppClientId, secret, redirectUri: 'https://app.jokko.example/cb' };
    await registerConfidentialTwin(t.db.database, twin);
    tokens.citizen = await accessTokenFor(base, twin, { nin: adult!.nin, password });
    tokens.operator = await t.keyFor({ kind: 'operator', roles: ['*'] });
    const document = (await (await request(`${base}/openapi.json`)).body.json()) as Parameters<
      typeof operationsOf
    >[0];
    operations = operationsOf(document);
    // The platform's document trust key is made on the first read of the trust list: not a refusal's doing.
    for (const path of ['/v1/documents/trust-list', '/v1/documents/trust-anchor'])
      expect((await request(`${base}${path}`)).statusCode).toBe(200);
    digestBefore = await digest();
  }, 300_000);
  afterAll(async () => t?.dispose());

  it('answers every hostile request with a 4xx problem (or, for a well-formed read, no 5xx)', async () => {
    expect(operations.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const [i, op] of operations.entries()) {
      if (process.env.FUZZ_ONLY && !new RegExp(process.env.FUZZ_ONLY).test(`${op.method} ${op.path}`))
        continue;
      const details = await fc.check(
        fc.asyncProperty(hostileRequests(op), async (r) => {
          const answer = await send(r);
          const broken = judge(r, answer);
          if (broken) throw new Error(`${broken}: ${answer.text.slice(0, 300)}`);
        }),
        { seed: seed + i, numRuns: runs, endOnFailure: true },
      );
      if (details.failed) {
        const r = details.counterexample?.[0];
        failures.push(
          `${op.method} ${op.path} (FUZZ_SEED=${seed}, operation ${i}): ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\n` +
            `  request: ${JSON.stringify({ ...r, body: typeof r?.body === 'string' ? r.body.slice(0, 300) : r?.body, url: r?.url.slice(0, 300) })}`,
        );
      }
    }
    const unhandled = t.logs.filter((line) => line.includes('unhandled error')).map((l) => l.slice(0, 600));
    expect({ failures, unhandled: unhandled.slice(0, 5) }, `FUZZ_SEED=${seed}`).toEqual({
      failures: [],
      unhandled: [],
    });
  }, 600_000);

  it('answers CR, LF and NUL in headers and malformed request lines at the socket with a 4xx problem', async () => {
    const exchange = (raw: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(base).port), '127.0.0.1', () => socket.end(raw, 'latin1'));
        const chunks: Buffer[] = [];
        socket.on('data', (c) => chunks.push(c));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.on('error', reject);
        socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
      });
    await fc.assert(
      fc.asyncProperty(rawSocketRequests, async (raw) => {
        const answer = await exchange(raw);
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 4\d\d /);
        expect(head).toMatch(/^content-type: application\/problem\+json/im);
        expect(head).not.toMatch(/^(x-injected|set-cookie: jokko=injected)/im);
        expect(JSON.parse(body)).toMatchObject({
          type: expect.any(String),
          status: Number(head.slice(9, 12)),
        });
      }),
      { seed, numRuns: Math.max(runs * 8, 24) },
    );
  });

  it('changed no table, polluted no prototype, and still answers /health/ready', async () => {
    expect(await digest()).toEqual(digestBefore);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const ready = await request(`${base}/health/ready`);
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.json()).toMatchObject({ status: 'ready' });
  });
});
