import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../shared/countries/index.ts';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import {
  accessTokenFor,
  createAccount,
  createApiKey,
  officeClientId,
  registerConfidentialTwin,
  superAppClientId,
} from './modules/identity/index.ts';
import { demoCitizens, seedDemoCountry } from './modules/registries/index.ts';
import { type ActorKind, actorKinds } from './platform/actor.ts';
import { problemType } from './platform/http/problems.ts';
import type { RoutePolicy } from './platform/http/route-access.ts';
import { createTestApp, freePort, type TestApp } from './testing.ts';

/**
 * The rule: every route has an explicit policy, and the server enforces it before any handler runs.
 * This walks every operation of the OpenAPI document the server serves and calls it anonymously,
 * with a bad token, as every actor kind outside its audience, and without its role.
 *
 * PGlite only: what is checked here is the HTTP gate (onRequest hook and route declarations), which
 * reads the same api_keys row and provider token on either engine; PostgreSQL would add ten seconds
 * and no path the module tests on PostgreSQL do not already take.
 */

/**
 * Reviewed list of the routes anyone may call without a credential, hidden ones included. A route
 * made public by mistake, or a public route that stops being one, fails this test until the list
 * is reviewed again.
 */
const reviewedPublicRoutes = [
  // Platform: probes and the API description.
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics', // no personal data; restricted at the network edge (SECURITY.md)
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/json',
  '* /docs/static/*',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
  'GET /docs/yaml',
  // Published keys and lists that verifiers fetch: they must work for strangers.
  'GET /v1/audit/log-keys',
  'GET /v1/audit/proofs/consistency',
  'GET /v1/audit/tree-head',
  'GET /v1/bridge/keys',
  'GET /v1/consents/keys',
  'GET /v1/consents/purposes',
  'GET /v1/documents/status/:issuer/:list',
  'GET /v1/documents/trust-anchor',
  'GET /v1/documents/trust-list',
  'GET /v1/outputs/keys',
  'POST /v1/outputs/verify',
  // The public catalogue of procedures and its performance figures.
  'GET /v1/procedures',
  'GET /v1/procedures/:id',
  'GET /v1/procedures/:id/versions',
  'GET /v1/procedures/performance',
  // Partner onboarding: the application is open (rate-limited); reading it back and collecting
  // credentials need the applicant's token (X-Application-Token) or an operator's key.
  'POST /v1/partners/applications',
  'GET /v1/partners/applications/:id',
  'POST /v1/partners/applications/:id/credentials',
  // Enrolment with an activation code: the person has no credential yet (rate-limited).
  'GET /enrol',
  'POST /enrol',
  'GET /enrol/password',
  'POST /enrol/password',
  'GET /enrol/factor',
  'POST /enrol/totp',
  'POST /enrol/passkey',
  'POST /enrol/passkey/options',
  'GET /enrol/done',
  // Stylesheet and scripts of the sign-in pages.
  'GET /interaction-assets/:file',
];

/** Routes whose callers prove themselves by another protocol than a bearer credential. */
const reviewedOwnProtocolRoutes = {
  signed: ['* /r1/*', 'GET /e1/subscriptions/:id/events', 'POST /e1/*', 'POST /e1/subscriptions/:id/ack'],
  oidc: [
    '* /oidc',
    '* /oidc/*',
    'GET /interaction/:uid',
    'POST /interaction/:uid/abort',
    'POST /interaction/:uid/confirm',
    'POST /interaction/:uid/login',
    'POST /interaction/:uid/passkey',
    'POST /interaction/:uid/passkey/options',
    'POST /interaction/:uid/recovery',
    'POST /interaction/:uid/totp',
  ],
};

interface Operation {
  method: string;
  path: string;
  operationId?: string;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { content?: Record<string, unknown> };
  security?: unknown[];
  'x-jokko-access'?: RoutePolicy;
}

const problemJson = /^application\/problem\+json/;
const password = 'Teranga-Controle-2026!';
const secret = 'a-test-secret-that-is-long-enough-0123456789';
const operationMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

describe('access control: every route has an explicit policy, enforced before its handler (ASVS 5.0 V8.2, V8.3.1)', () => {
  let t: TestApp;
  let operations: Operation[] = [];
  let citizenNin = '';
  /** A caller of each kind that is outside a route's audience: the strongest roles its kind can hold. */
  const outsider = {} as Record<ActorKind, string>;
  /** A caller of each kind with no role at all. */
  const roleless = {} as Record<ActorKind, string>;

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    t = await createTestApp(
      'pglite',
      { PUBLIC_URL: base },
      {
        beforeReady(app) {
          // Tells the test who a credential stands for; hidden, so not part of the walk.
          app.get(
            '/test/whoami',
            {
              config: { access: 'authenticated', audience: actorKinds },
              schema: { hide: true },
            },
            async (request) => ({ kind: request.actor?.kind, roles: request.actor?.roles }),
          );
        },
      },
    );
    await t.app.listen({ host: '127.0.0.1', port });
    const database = t.db.database;
    await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 12, seed: 'access-control' });
    const [citizen, agent] = (await demoCitizens(database)).filter((p) => p.birthDate < '2006-01-01');
    citizenNin = citizen!.nin;
    await createAccount(database, citizen!.nin, password);
    await createAccount(database, agent!.nin, password);

    const key = async (kind: ActorKind, roles: string[]) =>
      (
        await createApiKey(database.db, {
          label: `access-control ${kind}`,
          actor: { kind, id: `walker-${kind}-${roles.length}`, roles },
        })
      ).key;
    const admin = await key('operator', ['identity:admin']);
    const agentRoles = await t.app.inject({
      method: 'PUT',
      url: `/v1/identity/agents/${agent!.nin}`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { organisation: 'MJ-CJ', roles: ['instructor'] },
    });
    expect(agentRoles.statusCode).toBe(200);

    for (const [clientId, redirectUri] of [
      [superAppClientId, 'https://app.jokko.example/cb'],
      [officeClientId, 'https://office.jokko.example/cb'],
    ] as const)
      await registerConfidentialTwin(database, { clientId, secret, redirectUri });
    outsider.citizen = await accessTokenFor(
      base,
      { clientId: superAppClientId, secret, redirectUri: 'https://app.jokko.example/cb' },
      { nin: citizen!.nin, password },
    );
    outsider.agent = await accessTokenFor(
      base,
      { clientId: officeClientId, secret, redirectUri: 'https://office.jokko.example/cb' },
      { nin: agent!.nin, password },
    );
    // Keys holding every role (`*`): only the audience can refuse them.
    outsider.operator = await key('operator', ['*']);
    outsider.partner = await key('partner', ['*']);
    outsider.system = await key('system', ['*']);
    for (const kind of actorKinds) roleless[kind] = await key(kind, []);

    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => operationMethods.includes(method))
        .map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    );
  }, 120_000);

  afterAll(async () => t?.dispose());

  const call = (op: Operation, token?: string) => {
    const url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(pathValue(name, citizenNin)),
    );
    const query = new URLSearchParams(
      (op.parameters ?? [])
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => [p.name, queryValue(p.schema ?? {})]),
    );
    const json = op.requestBody?.content?.['application/json'] !== undefined;
    return t.app.inject({
      method: op.method as 'GET',
      url: query.size ? `${url}?${query}` : url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(json ? { 'content-type': 'application/json' } : {}),
      },
      ...(json ? { payload: '{}' } : {}),
    });
  };

  it('makes a credential of each actor kind with the real mechanisms', async () => {
    for (const kind of actorKinds) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/test/whoami',
        headers: { authorization: `Bearer ${outsider[kind]}` },
      });
      expect(res.json().kind).toBe(kind);
      const bare = await t.app.inject({
        method: 'GET',
        url: '/test/whoami',
        headers: { authorization: `Bearer ${roleless[kind]}` },
      });
      expect(bare.json()).toEqual({ kind, roles: [] });
    }
  });

  it('publishes a policy on every operation of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(100);
    for (const op of operations) {
      const policy = op['x-jokko-access'];
      expect(policy, `${op.method} ${op.path}`).toBeDefined();
      expect(['public', 'authenticated'], `${op.method} ${op.path}`).toContain(policy!.access);
      if (policy!.access === 'public') expect(op.security, `${op.method} ${op.path}`).toEqual([]);
      else {
        expect(policy!.audience?.length, `${op.method} ${op.path}`).toBeGreaterThan(0);
        expect(op.security, `${op.method} ${op.path}`).not.toEqual([]);
      }
    }
  });

  it('refuses anonymous, wrong-kind and role-less callers of every non-public operation before its handler', async () => {
    const walked = new Set<string>();
    const failures: string[] = [];
    const expectProblem = (
      op: Operation,
      who: string,
      res: Awaited<ReturnType<typeof call>>,
      status: number,
      detail?: RegExp,
    ) => {
      const body = res.headers['content-type']?.toString().match(problemJson) ? res.json() : undefined;
      const slug = status === 401 ? 'unauthenticated' : 'forbidden';
      if (
        res.statusCode !== status ||
        body?.type !== problemType(slug) ||
        (detail && !detail.test(String(body?.detail)))
      )
        failures.push(`${op.method} ${op.path} as ${who}: ${res.statusCode} ${res.body.slice(0, 160)}`);
    };

    for (const op of operations) {
      const policy = op['x-jokko-access']!;
      walked.add(`${op.method} ${op.path.replace(/\{([^}]+)\}/g, ':$1')}`);
      if (policy.access === 'public') continue;
      const anonymous = await call(op);
      expectProblem(op, 'anonymous', anonymous, 401);
      if (anonymous.headers['www-authenticate'] !== 'Bearer')
        failures.push(`${op.method} ${op.path}: no challenge`);
      expectProblem(op, 'a revoked-looking token', await call(op, `jk_${'A'.repeat(43)}`), 401);
      for (const kind of actorKinds.filter((k) => !policy.audience!.includes(k)))
        expectProblem(op, kind, await call(op, outsider[kind]), 403, /^this route is for /);
      if (policy.roles)
        for (const kind of policy.audience!)
          expectProblem(
            op,
            `${kind} without a role`,
            await call(op, roleless[kind]),
            403,
            /^this route needs the role /,
          );
    }
    expect(failures).toEqual([]);
    expect(walked.size).toBe(operations.length);
    // Every authenticated route the server has, by its own route table, was in the document and walked.
    const authenticated = t.app
      .routePolicies()
      .filter((r) => r.access === 'authenticated' && r.url !== '/test/whoami')
      .flatMap((r) =>
        [r.method]
          .flat()
          .filter((m) => m !== 'HEAD')
          .map((m) => `${m} ${r.url}`),
      );
    expect(authenticated.length).toBeGreaterThan(80);
    expect(authenticated.filter((route) => !walked.has(route))).toEqual([]);
  }, 60_000);

  it('keeps the public routes to the reviewed list, hidden routes included', () => {
    const declared = t.app.routePolicies().filter((r) => r.url !== '/test/whoami');
    const named = (access: string) =>
      declared
        .filter((r) => r.access === access)
        .flatMap((r) => {
          const methods = [r.method].flat();
          // Fastify adds a HEAD twin to every GET; the GET stands for both.
          if (methods.length === 1 && methods[0] === 'HEAD') return [];
          return [`${methods.length > 1 ? '*' : methods[0]} ${r.url}`];
        })
        .sort();
    expect(named('public')).toEqual([...reviewedPublicRoutes].sort());
    expect(named('signed')).toEqual([...reviewedOwnProtocolRoutes.signed].sort());
    expect(named('oidc')).toEqual([...reviewedOwnProtocolRoutes.oidc].sort());
    const documented = operations.filter((op) => op['x-jokko-access']?.access === 'public');
    for (const op of documented)
      expect(reviewedPublicRoutes, `${op.method} ${op.path}`).toContain(
        `${op.method} ${op.path.replace(/\{([^}]+)\}/g, ':$1')}`,
      );
  });

  it('answers a bearer credential on the signed bridge routes with 401: only a request signature opens them', async () => {
    const routes = [
      { method: 'GET', url: '/r1/SN/GOV/DAF/registries/people/v1/persons' },
      { method: 'POST', url: '/e1/SN/GOV/DAF/registries/person-died' },
      { method: 'GET', url: `/e1/subscriptions/${randomUUID()}/events` },
    ] as const;
    for (const route of routes)
      for (const kind of actorKinds) {
        const res = await t.app.inject({
          method: route.method,
          url: route.url,
          headers: {
            authorization: `Bearer ${outsider[kind]}`,
            'x-road-client': 'SN/GOV/MJ-CJ/eservices',
            ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}),
          },
          ...(route.method === 'POST' ? { payload: '{}' } : {}),
        });
        expect(res.statusCode, `${route.method} ${route.url} as ${kind}`).toBe(401);
        expect(res.headers['content-type']).toMatch(problemJson);
        expect(res.json().type).toBe(problemType('bridge-signature-invalid'));
      }
  });

  it('refuses to start with an authenticated route that names no audience, or a public one that names one', async () => {
    const careless = [
      [{ access: 'authenticated' }, 'an authenticated route without config.audience'],
      [{ access: 'authenticated', audience: [] }, 'an authenticated route without config.audience'],
      [{ access: 'authenticated', audience: ['robot'] }, 'unknown actor kinds robot'],
      [{ access: 'public', audience: ['citizen'] }, 'an audience or roles on a public route'],
      [
        { access: 'authenticated', audience: ['operator'], roles: [] },
        'an empty config.roles (leave it out instead)',
      ],
    ] as const;
    // A second app on the same, already migrated database: a restart with careless routes.
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), database: t.db.database });
    careless.forEach(([config], i) => {
      app.post(`/v1/careless-${i}`, { config: config as never }, async () => ({}));
    });
    const refusal = app.ready();
    await expect(refusal).rejects.toThrow(/^routes with an unsound access policy: /);
    const message = await refusal.then(
      () => '',
      (err: Error) => err.message,
    );
    careless.forEach(([, mistake], i) => {
      expect(message).toContain(`POST /v1/careless-${i} (${mistake})`);
    });
    await app.close().catch(() => {});
  }, 60_000);
});

/** A plausible value for a path parameter, by its name. */
function pathValue(name: string, nin: string): string {
  const values: Record<string, string> = {
    nin,
    seq: '1',
    number: 'DL-000001',
    slot: 'identity-card',
    issuer: 'DGID',
    list: '1',
  };
  return values[name] ?? randomUUID();
}

function queryValue(schema: Record<string, unknown>): string {
  if (schema.format === 'date-time') return new Date().toISOString();
  if (schema.type === 'integer' || schema.type === 'number') return '1';
  if (schema.type === 'boolean') return 'true';
  return 'x';
}
