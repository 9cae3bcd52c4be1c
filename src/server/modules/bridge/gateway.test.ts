import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createSigner, httpbis } from 'http-message-signatures';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { runJokko } from '../../testing/processes.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { verifyAuditLog } from '../audit/index.ts';
import { seedDemoCountry } from '../registries/index.ts';
import { type BridgeClient, createBridgeClient, type LogBundle, verifyLogBundle } from './index.ts';

const _bin = fileURLToPath(new URL('../../../../bin/jokko.js', import.meta.url));
/** The CLI as an operator or a bank's developer runs it: a separate process. */
const cli = (args: string[]) => runJokko(args);

const service = 'SN/GOV/DGID/impots/attestation-fiscale/v1';
const openapi = {
  openapi: '3.0.3',
  info: { title: 'Attestation fiscale', version: '1' },
  paths: {
    '/attestations/{nin}': { get: { responses: { 200: { description: 'ok' } } } },
    '/slow': { get: { responses: { 200: { description: 'ok' } } } },
    '/upload': { post: { responses: { 200: { description: 'ok' } } } },
    '/big': { get: { responses: { 200: { description: 'ok' } } } },
    '/headers': { get: { responses: { 200: { description: 'ok' } } } },
  },
};

interface Backend {
  server: Server;
  url: string;
  hits: string[];
  /** Sizes of the uploads the backend received to their end. */
  uploads: number[];
  firstUploadByte: Promise<void>;
}

/** The provider's real backend: an HTTP server that answers like an administration's API. */
async function startBackend(): Promise<Backend> {
  const hits: string[] = [];
  const uploads: number[] = [];
  let sawUploadByte: () => void = () => undefined;
  const firstUploadByte = new Promise<void>((resolve) => {
    sawUploadByte = resolve;
  });
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req: IncomingMessage, res) => {
    hits.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://backend');
    if (url.pathname.startsWith('/api/attestations/'))
      return json(res, 200, {
        nin: url.pathname.split('/').pop(),
        status: 'à jour',
        client: req.headers['x-road-client'],
      });
    if (url.pathname === '/api/slow') {
      setTimeout(() => json(res, 200, { late: true }), 2000).unref();
      return;
    }
    if (url.pathname === '/api/headers') return json(res, 200, req.headers);
    if (url.pathname === '/api/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (sent < 3 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (url.pathname === '/api/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        if (bytes === 0) sawUploadByte();
        bytes += c.length;
        hash.update(c);
      });
      req.on('end', () => {
        uploads.push(bytes);
        json(res, 200, { bytes, sha256: hash.digest('hex') });
      });
      req.on('error', () => undefined);
      return;
    }
    json(res, 404, { error: 'no such path' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/api`, hits, uploads, firstUploadByte };
}

const ed25519 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown> };
};

describe.each(testEngines())('the Digital Bridge gateway on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let backend: Backend;
  let internal: Backend;
  let operatorKey: string;
  let keys: {
    bank: ReturnType<typeof ed25519>;
    anec: ReturnType<typeof ed25519>;
    dgid: ReturnType<typeof ed25519>;
  };
  let ids: {
    bankMember: string;
    bankSubsystem: string;
    dgidSubsystem: string;
    anecSubsystem: string;
    service: string;
  };
  let bridgeKeys: Array<Record<string, unknown>>;
  let bank: BridgeClient;
  const memberKeys: Record<string, string> = {};

  const api = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await undiciRequest(`${base}/v1${path}`, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
  };
  const clientFor = (client: string, keyid: string, privateKey: KeyObject) =>
    createBridgeClient({ bridgeUrl: base, client, keyid, privateKey, alg: 'ed25519', bridgeKeys });

  /** A request signed like the client library does, but sent byte for byte as given. */
  async function sendRaw(
    rawPath: string,
    opts: {
      keyid?: string;
      key?: KeyObject;
      client?: string;
      headers?: Record<string, string>;
      reuse?: Record<string, string>;
    } = {},
  ) {
    const headers =
      opts.reuse ??
      ((
        await httpbis.signMessage(
          {
            key: createSigner(opts.key ?? keys.bank.privateKey, 'ed25519', opts.keyid ?? 'bank-1'),
            fields: ['@method', '@target-uri', 'x-road-client'],
            params: ['created', 'nonce', 'keyid', 'alg'],
            paramValues: { nonce: randomBytes(18).toString('base64url') },
          },
          {
            method: 'GET',
            url: `${base}${rawPath}`,
            headers: { 'x-road-client': opts.client ?? 'SN/COM/BTERANGA/kyc', ...opts.headers },
          },
        )
      ).headers as Record<string, string>);
    const url = new URL(base);
    return new Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>(
      (resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: rawPath, method: 'GET', headers },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: text ? JSON.parse(text) : {},
                headers: { ...(res.headers as Record<string, string>), __sent: JSON.stringify(headers) },
              }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
  }

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, {
      PUBLIC_URL: base,
      BRIDGE_BODY_LIMIT: '64mb',
      BRIDGE_BUFFER_LIMIT: '1mb',
    });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 20, seed: 'bridge' });
    backend = await startBackend();
    internal = await startBackend();
    await t.app.listen({ host: '127.0.0.1', port });
    operatorKey = await t.keyFor({ kind: 'operator', roles: ['bridge:admin'] });
    const orgs = await t.db.database.query<{ id: string; identifier: string }>(
      "SELECT id, identifier FROM organisations WHERE identifier IN ('DGID', 'BTERANGA', 'ANEC')",
    );
    for (const o of orgs)
      memberKeys[o.identifier] = await t.keyFor({
        kind: 'partner',
        roles: ['bridge:member'],
        organisationId: o.id,
      });
    keys = { bank: ed25519(), anec: ed25519(), dgid: ed25519() };

    const join = async (org: string, code: string, keyid: string, jwk: Record<string, unknown>) => {
      const res = await api('POST', '/bridge/members', memberKeys[org] ?? '', {
        organisation: org,
        subsystems: [{ code, keys: [{ keyid, alg: 'ed25519', publicKeyJwk: jwk }] }],
      });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('pending');
      const approved = await api('POST', `/bridge/members/${res.body.id}/decision`, operatorKey, {
        decision: 'approve',
      });
      expect(approved.status).toBe(200);
      return approved.body;
    };
    const bankMember = await join('BTERANGA', 'kyc', 'bank-1', keys.bank.jwk);
    const dgidMember = await join('DGID', 'impots', 'dgid-1', keys.dgid.jwk);
    const anecMember = await join('ANEC', 'etat-civil', 'anec-1', keys.anec.jwk);
    const registered = await api('POST', '/bridge/services', memberKeys.DGID ?? '', {
      subsystemId: dgidMember.subsystems[0].id,
      code: 'attestation-fiscale',
      version: 'v1',
      title: 'Attestation de situation fiscale',
      openapi,
      backendUrl: backend.url,
      personalData: false,
      timeoutMs: 400,
    });
    expect(registered.status).toBe(201);
    expect(registered.body.serviceId).toBe(service);
    ids = {
      bankMember: bankMember.id,
      bankSubsystem: bankMember.subsystems[0].id,
      dgidSubsystem: dgidMember.subsystems[0].id,
      anecSubsystem: anecMember.subsystems[0].id,
      service: registered.body.id,
    };
    const right = await api('POST', '/bridge/rights', memberKeys.DGID ?? '', {
      serviceId: ids.service,
      clientSubsystemId: ids.bankSubsystem,
    });
    expect(right.status).toBe(201);
    bridgeKeys = (await api('GET', '/bridge/keys', operatorKey)).body.keys;
    bank = clientFor('SN/COM/BTERANGA/kyc', 'bank-1', keys.bank.privateKey);
  });
  afterAll(async () => {
    await t.dispose();
    backend.server.close();
    internal.server.close();
  });

  it('forwards an allowed call, signs the answer and logs the exchange', async () => {
    const answer = await bank.call({
      service,
      path: '/attestations/1000271828182',
      userId: 'agent-42',
      xroadId: 'req-0001',
    });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({ nin: '1000271828182', client: 'SN/COM/BTERANGA/kyc' });
    expect(answer.verified).toBe(true);
    expect(answer.headers['x-road-id']).toBe('req-0001');
    expect(answer.headers['x-road-request-hash']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const [row] = await t.db.database.query<Record<string, unknown>>(
      "SELECT * FROM bridge_message_log WHERE xroad_id = 'req-0001'",
    );
    expect(row).toMatchObject({
      client: 'SN/COM/BTERANGA/kyc',
      service,
      method: 'GET',
      endpoint: 'GET /attestations/{nin}',
      user_id: 'agent-42',
      status: 200,
      response_hash: createHash('sha256').update(answer.body).digest('hex'),
    });
    const batches = await t.db.database.query<{ details: { ids: string[] } }>(
      "SELECT details FROM audit_log WHERE action = 'bridge.message-log.batch'",
    );
    expect(batches.some((b) => b.details.ids.includes(String(row?.id)))).toBe(true);
    expect((await verifyAuditLog(t.db.database)).ok).toBe(true);
  });

  it('exports a signed log bundle that verifies offline and shows any tampering', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const forbidden = await api('GET', `/bridge/log/export?from=${from}&to=${to}`, memberKeys.BTERANGA ?? '');
    expect(forbidden.status).toBe(403);
    const res = await api('GET', `/bridge/log/export?from=${from}&to=${to}`, operatorKey);
    expect(res.status).toBe(200);
    const bundle = res.body as LogBundle;
    expect(bundle.count).toBeGreaterThan(0);
    expect(verifyLogBundle(bundle, bridgeKeys)).toMatchObject({ ok: true, problems: [] });

    const edited = structuredClone(bundle);
    if (edited.records[0]) edited.records[0].status = 500;
    expect(verifyLogBundle(edited, bridgeKeys).problems[0]).toMatch(/record 0 .* altered/);
    const dropped = structuredClone(bundle);
    dropped.records.pop();
    dropped.count--;
    expect(verifyLogBundle(dropped, bridgeKeys).problems).toContain(
      'records were added, removed or reordered: the digest does not match',
    );
    const foreign = ed25519();
    expect(verifyLogBundle(bundle, [{ ...foreign.jwk, kid: bundle.signer }]).ok).toBe(false);

    const dir = mkdtempSync(join(tmpdir(), 'jokko-log-'));
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle));
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited));
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: bridgeKeys }));
    const good = await cli([
      'bridge',
      'verify-log',
      join(dir, 'bundle.json'),
      '--keys',
      join(dir, 'keys.json'),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(new RegExp(`Bundle verifies: ${bundle.count} records`));
    const bad = await cli([
      'bridge',
      'verify-log',
      join(dir, 'edited.json'),
      '--keys',
      join(dir, 'keys.json'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/does NOT verify/);
  });

  it('does not forward the signature or credentials to the provider, and names the client', async () => {
    const answer = await bank.call({ service, path: '/headers' });
    const seen = answer.json<Record<string, string>>();
    expect(seen['x-road-client']).toBe('SN/COM/BTERANGA/kyc');
    expect(seen['x-road-service']).toBe(service);
    expect(seen.signature).toBeUndefined();
    expect(seen['signature-input']).toBeUndefined();
  });

  it('denies by default: a member without an access right gets bridge-access-denied', async () => {
    const anec = clientFor('SN/GOV/ANEC/etat-civil', 'anec-1', keys.anec.privateKey);
    const answer = await anec.call({ service, path: '/attestations/1000271828182' });
    expect(answer.status).toBe(403);
    expect(answer.json()).toMatchObject({ type: problemType('bridge-access-denied') });
  });

  it('a right granted to a group reaches its members, and leaving the group ends it', async () => {
    const anec = clientFor('SN/GOV/ANEC/etat-civil', 'anec-1', keys.anec.privateKey);
    const group = await api('POST', '/bridge/groups', operatorKey, {
      code: 'etat-civil',
      description: 'Civil registry offices',
    });
    expect(group.status).toBe(201);
    expect(
      (await api('POST', '/bridge/groups', memberKeys.DGID ?? '', { code: 'x', description: 'x' })).status,
    ).toBe(403);
    await api('PUT', `/bridge/groups/${group.body.id}/members/${ids.anecSubsystem}`, operatorKey);
    const right = await api('POST', '/bridge/rights', memberKeys.DGID ?? '', {
      serviceId: ids.service,
      clientGroupId: group.body.id,
      endpoint: { method: 'GET', path: '/attestations/{nin}' },
    });
    expect(right.status).toBe(201);
    expect(right.body.group).toBe('etat-civil');
    expect((await anec.call({ service, path: '/attestations/1000271828182' })).status).toBe(200);
    // The right names one endpoint only.
    expect((await anec.call({ service, path: '/headers' })).status).toBe(403);
    await api('DELETE', `/bridge/groups/${group.body.id}/members/${ids.anecSubsystem}`, operatorKey);
    expect((await anec.call({ service, path: '/attestations/1000271828182' })).status).toBe(403);
    await api('DELETE', `/bridge/rights/${right.body.id}`, memberKeys.DGID ?? '');
  });

  it('enforces the rate and the daily quota an access right sets', async () => {
    const anec = clientFor('SN/GOV/ANEC/etat-civil', 'anec-1', keys.anec.privateKey);
    const call = () => anec.call({ service, path: '/attestations/1000271828182' });
    const rated = await api('POST', '/bridge/rights', memberKeys.DGID ?? '', {
      serviceId: ids.service,
      clientSubsystemId: ids.anecSubsystem,
      ratePerSecond: 2,
    });
    const burst = await Promise.all(Array.from({ length: 6 }, call));
    const limited = burst.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited[0]?.json()).toMatchObject({ type: problemType('bridge-rate-limited') });
    expect(limited[0]?.headers['retry-after']).toBe('1');
    await api('DELETE', `/bridge/rights/${rated.body.id}`, memberKeys.DGID ?? '');

    const quota = await api('POST', '/bridge/rights', memberKeys.DGID ?? '', {
      serviceId: ids.service,
      clientSubsystemId: ids.anecSubsystem,
      quotaPerDay: 3,
    });
    expect(quota.body.quotaPerDay).toBe(3);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const over = await call();
    expect(over.json()).toMatchObject({ type: problemType('bridge-quota-exceeded') });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    const [usage] = await t.db.database.query<{ calls: string }>(
      'SELECT calls FROM bridge_quota_usage WHERE right_id = $1',
      [quota.body.id],
    );
    expect(Number(usage?.calls)).toBe(3);
    await api('DELETE', `/bridge/rights/${quota.body.id}`, memberKeys.DGID ?? '');
  });

  it('a startup joins the sandbox: it reaches sandbox services only, until an operator promotes it', async () => {
    const [org] = await t.db.database.query<{ id: string }>(
      "SELECT id FROM organisations WHERE identifier = 'XAALIS'",
    );
    const startupKey = await t.keyFor({
      kind: 'partner',
      roles: ['bridge:member'],
      organisationId: org?.id ?? '',
    });
    const pair = ed25519();
    const joined = await api('POST', '/bridge/members', startupKey, {
      organisation: 'XAALIS',
      environment: 'production',
      subsystems: [{ code: 'app', keys: [{ keyid: 'xaalis-1', alg: 'ed25519', publicKeyJwk: pair.jwk }] }],
    });
    expect(joined.body.environment).toBe('sandbox');
    await api('POST', `/bridge/members/${joined.body.id}/decision`, operatorKey, { decision: 'approve' });
    const sandbox = await api('POST', '/bridge/services', memberKeys.DGID ?? '', {
      subsystemId: ids.dgidSubsystem,
      code: 'attestation-fiscale',
      version: 'sandbox',
      title: 'Attestation fiscale (données synthétiques)',
      openapi,
      backendUrl: backend.url,
      personalData: false,
      environment: 'sandbox',
    });
    expect(sandbox.body.environment).toBe('sandbox');
    for (const serviceId of [ids.service, sandbox.body.id])
      await api('POST', '/bridge/rights', memberKeys.DGID ?? '', {
        serviceId,
        clientSubsystemId: joined.body.subsystems[0].id,
      });
    const startup = clientFor('SN/COM/XAALIS/app', 'xaalis-1', pair.privateKey);
    const real = await startup.call({ service, path: '/attestations/1000271828182' });
    expect(real.json()).toMatchObject({ status: 403, type: problemType('bridge-environment-mismatch') });
    const synthetic = await startup.call({
      service: 'SN/GOV/DGID/impots/attestation-fiscale/sandbox',
      path: '/attestations/1000271828182',
    });
    expect(synthetic.status).toBe(200);
    const promoted = await api('POST', `/bridge/members/${joined.body.id}/decision`, operatorKey, {
      decision: 'promote',
    });
    expect(promoted.body).toMatchObject({ status: 'active', environment: 'production' });
    expect((await startup.call({ service, path: '/attestations/1000271828182' })).status).toBe(200);
  });

  it('RFC 9421: a signature made with another key is refused', async () => {
    const forged = clientFor('SN/COM/BTERANGA/kyc', 'bank-1', ed25519().privateKey);
    const answer = await forged.call({ service, path: '/attestations/1000271828182' });
    expect(answer.status).toBe(401);
    expect(answer.json()).toMatchObject({ type: problemType('bridge-signature-invalid') });
  });

  it('RFC 9421: a key of another subsystem cannot sign for this client', async () => {
    const answer = await clientFor('SN/COM/BTERANGA/kyc', 'anec-1', keys.anec.privateKey).call({
      service,
      path: '/attestations/1000271828182',
    });
    expect(answer.status).toBe(401);
  });

  it('RFC 9421: a replayed request (same nonce) is refused on the second use', async () => {
    const first = await sendRaw(`/r1/${service}/attestations/1000271828182`);
    expect(first.status).toBe(200);
    const again = await sendRaw(`/r1/${service}/attestations/1000271828182`, {
      reuse: JSON.parse(first.headers.__sent ?? '{}'),
    });
    expect(again.status).toBe(401);
    expect(again.body.type).toBe(problemType('bridge-replay'));
  });

  it('RFC 9421: a signature older than the replay window is refused', async () => {
    const old = await httpbis.signMessage(
      {
        key: createSigner(keys.bank.privateKey, 'ed25519', 'bank-1'),
        fields: ['@method', '@target-uri', 'x-road-client'],
        params: ['created', 'nonce', 'keyid', 'alg'],
        paramValues: {
          nonce: randomBytes(18).toString('base64url'),
          created: new Date(Date.now() - 400_000),
        },
      },
      {
        method: 'GET',
        url: `${base}/r1/${service}/attestations/1`,
        headers: { 'x-road-client': 'SN/COM/BTERANGA/kyc' },
      },
    );
    const res = await sendRaw(`/r1/${service}/attestations/1`, {
      reuse: old.headers as Record<string, string>,
    });
    expect(res.status).toBe(401);
    expect(res.body.type).toBe(problemType('bridge-signature-invalid'));
  });

  it('an unknown service is bridge-unknown-service, an unknown endpoint bridge-unknown-endpoint', async () => {
    const unknown = await bank.call({ service: 'SN/GOV/DGID/impots/nothing-here', path: '/x' });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ type: problemType('bridge-unknown-service') });
    const endpoint = await bank.call({ service, path: '/not/declared' });
    expect(endpoint.status).toBe(404);
    expect(endpoint.json()).toMatchObject({ type: problemType('bridge-unknown-endpoint') });
  });

  it('a disabled endpoint is refused until it is enabled again', async () => {
    const off = await api('PATCH', `/bridge/services/${ids.service}/endpoints`, memberKeys.DGID ?? '', {
      method: 'GET',
      path: '/attestations/{nin}',
      enabled: false,
    });
    expect(off.status).toBe(200);
    const refused = await bank.call({ service, path: '/attestations/1000271828182' });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ type: problemType('bridge-endpoint-disabled') });
    await api('PATCH', `/bridge/services/${ids.service}/endpoints`, memberKeys.DGID ?? '', {
      method: 'GET',
      path: '/attestations/{nin}',
      enabled: true,
    });
    expect((await bank.call({ service, path: '/attestations/1000271828182' })).status).toBe(200);
  });

  it('a suspended member is refused until reactivated; only operators decide', async () => {
    const byMember = await api(
      'POST',
      `/bridge/members/${ids.bankMember}/decision`,
      memberKeys.BTERANGA ?? '',
      {
        decision: 'reactivate',
      },
    );
    expect(byMember.status).toBe(403);
    await api('POST', `/bridge/members/${ids.bankMember}/decision`, operatorKey, {
      decision: 'suspend',
      reason: 'test',
    });
    const refused = await bank.call({ service, path: '/attestations/1000271828182' });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ type: problemType('bridge-member-suspended') });
    await api('POST', `/bridge/members/${ids.bankMember}/decision`, operatorKey, { decision: 'reactivate' });
    expect((await bank.call({ service, path: '/attestations/1000271828182' })).status).toBe(200);
  });

  it('a member cannot manage another member: keys, services and rights are its own', async () => {
    const key = await api('POST', `/bridge/subsystems/${ids.dgidSubsystem}/keys`, memberKeys.BTERANGA ?? '', {
      keyid: 'intruder',
      alg: 'ed25519',
      publicKeyJwk: ed25519().jwk,
    });
    expect(key.status).toBe(403);
    const right = await api('POST', '/bridge/rights', memberKeys.BTERANGA ?? '', {
      serviceId: ids.service,
      clientSubsystemId: ids.bankSubsystem,
    });
    expect(right.status).toBe(403);
    const privateJwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const leaked = await api(
      'POST',
      `/bridge/subsystems/${ids.bankSubsystem}/keys`,
      memberKeys.BTERANGA ?? '',
      {
        keyid: 'private-by-mistake',
        alg: 'ed25519',
        publicKeyJwk: privateJwk,
      },
    );
    expect(leaked.status).toBe(400);
    expect(leaked.body.errors[0].detail).toMatch(/private key/);
  });

  it('a rotated key keeps working during the overlap and not after', async () => {
    const next = ed25519();
    const rotated = await api(
      'POST',
      `/bridge/subsystems/${ids.bankSubsystem}/keys`,
      memberKeys.BTERANGA ?? '',
      {
        keyid: 'bank-2',
        alg: 'ed25519',
        publicKeyJwk: next.jwk,
        replaces: 'bank-1',
        overlapSeconds: 2,
      },
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.keys.find((k: { keyid: string }) => k.keyid === 'bank-1').notAfter).not.toBeNull();
    privateKeys.set('bank-2', next.privateKey);
    const nextClient = clientFor('SN/COM/BTERANGA/kyc', 'bank-2', next.privateKey);
    expect((await bank.call({ service, path: '/attestations/1' })).status).toBe(200);
    expect((await nextClient.call({ service, path: '/attestations/1' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2200));
    const old = await bank.call({ service, path: '/attestations/1' });
    expect(old.status).toBe(401);
    expect((await nextClient.call({ service, path: '/attestations/1' })).status).toBe(200);
    bank = nextClient;
  });

  it('jokko bridge call signs a request with a key file and prints the verified answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jokko-call-'));
    const keyFile = join(dir, 'bank.pem');
    writeFileSync(keyFile, bankKeyFor('bank-2').export({ format: 'pem', type: 'pkcs8' }));
    const args = ['bridge', 'call', '--bridge', base, '--client', 'SN/COM/BTERANGA/kyc', '--keyid', 'bank-2'];
    const ok = await cli([...args, '--key', keyFile, service, '/attestations/1000271828182']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ nin: '1000271828182' });
    expect(ok.stderr).toMatch(/HTTP 200, X-Road-Id \S+, answer signature verified/);
    const denied = await cli([...args, '--key', keyFile, 'SN/GOV/DGID/impots/nothing', '/x']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/bridge-unknown-service/);
  });

  it('a provider that does not answer in time gives bridge-provider-timeout', async () => {
    const answer = await bank.call({ service, path: '/slow' });
    expect(answer.status).toBe(504);
    expect(answer.json()).toMatchObject({ type: problemType('bridge-provider-timeout') });
  });

  it('reports the health of the provider backend: live probe, recent errors, Prometheus gauge', async () => {
    const metrics = async () => (await undiciRequest(`${base}/metrics`)).body.text();
    const gauge = new RegExp(`jokko_bridge_provider_up\\{service="${service}"\\} (\\d)`);
    expect(gauge.exec(await metrics())?.[1]).toBe('0'); // the timeout above
    const health = await api('GET', `/bridge/services/${ids.service}/health`, memberKeys.DGID ?? '');
    expect(health.status).toBe(200);
    expect(health.body.probe).toMatchObject({ reachable: true });
    expect(health.body.last15Minutes.providerErrors).toBeGreaterThanOrEqual(1);
    expect(health.body.last15Minutes.lastSuccessAt).not.toBeNull();
    expect(
      (await api('GET', `/bridge/services/${ids.service}/health`, memberKeys.BTERANGA ?? '')).status,
    ).toBe(403);
    expect((await bank.call({ service, path: '/attestations/1' })).status).toBe(200);
    expect(gauge.exec(await metrics())?.[1]).toBe('1');
  });

  it('SSRF: a member cannot register a backend on an internal network the operator did not list', async () => {
    for (const [backendUrl, reason] of [
      ['http://169.254.169.254/latest/meta-data', 'link-local'],
      ['http://10.0.0.5/api', 'private'],
      ['http://127.0.0.2:8080/api', 'loopback'],
    ] as const) {
      const refused = await api('POST', '/bridge/services', memberKeys.DGID ?? '', {
        subsystemId: ids.dgidSubsystem,
        code: 'interne',
        title: 'Service interne',
        openapi,
        backendUrl,
        personalData: false,
      });
      expect(refused.status, backendUrl).toBe(400);
      expect(refused.body).toMatchObject({
        type: problemType('validation-failed'),
        reason,
        errors: [{ in: 'body', pointer: '/backendUrl', detail: expect.stringMatching(/^backend refused: /) }],
      });
    }
  });

  it('SSRF: BRIDGE_BACKEND_ALLOWED_NETWORKS opens a listed network; a node without it refuses the call, logged', async () => {
    const inside = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"inside":true}');
    });
    await new Promise<void>((r) => inside.listen(0, '127.0.0.2', r));
    let hits = 0;
    inside.on('request', () => hits++);
    const listing = await buildApp({
      config: loadConfig({
        JOKKO_SEED_ON_START: 'false',
        PUBLIC_URL: base,
        BRIDGE_BACKEND_ALLOWED_NETWORKS: '127.0.0.0/8',
      }),
      database: t.db.database,
      logStream: new PassThrough(),
      webDir: '/nonexistent',
    });
    await listing.ready();
    const internalService = 'SN/GOV/DGID/impots/interne';
    try {
      const registered = await listing.inject({
        method: 'POST',
        url: '/v1/bridge/services',
        headers: { authorization: `Bearer ${memberKeys.DGID}` },
        payload: {
          subsystemId: ids.dgidSubsystem,
          code: 'interne',
          title: 'Service interne',
          openapi,
          backendUrl: `http://127.0.0.2:${(inside.address() as AddressInfo).port}/api`,
          personalData: false,
        },
      });
      expect(registered.statusCode, registered.body).toBe(201);
      const right = await listing.inject({
        method: 'POST',
        url: '/v1/bridge/rights',
        headers: { authorization: `Bearer ${memberKeys.DGID}` },
        payload: { serviceId: registered.json().id, clientSubsystemId: ids.bankSubsystem },
      });
      expect(right.statusCode).toBe(201);
      const signed = await httpbis.signMessage(
        {
          key: createSigner(bankKeyFor('bank-2'), 'ed25519', 'bank-2'),
          fields: ['@method', '@target-uri', 'x-road-client'],
          params: ['created', 'nonce', 'keyid', 'alg'],
          paramValues: { nonce: randomBytes(18).toString('base64url') },
        },
        {
          method: 'GET',
          url: `${base}/r1/${internalService}/attestations/1`,
          headers: { 'x-road-client': 'SN/COM/BTERANGA/kyc' },
        },
      );
      const viaListing = await listing.inject({
        method: 'GET',
        url: `/r1/${internalService}/attestations/1`,
        headers: signed.headers as Record<string, string>,
      });
      expect(viaListing.statusCode).toBe(200);
      expect(viaListing.json()).toEqual({ inside: true });
      expect(hits).toBe(1);

      // This node lists no network: the backend was allowed where it was registered, not here. It
      // learns of the service and the right within its snapshot poll.
      const client = clientFor('SN/COM/BTERANGA/kyc', 'bank-2', bankKeyFor('bank-2'));
      const call = (xroadId: string) =>
        client.call({ service: internalService, path: '/attestations/1', xroadId });
      let refused = await call('ssrf-0');
      for (let i = 1; (refused.status === 404 || refused.status === 403) && i < 40; i++) {
        await new Promise((r) => setTimeout(r, 50));
        refused = await call(`ssrf-${i}`);
      }
      expect(refused.status).toBe(502);
      expect(refused.json()).toMatchObject({
        type: problemType('bridge-provider-error'),
        detail: expect.stringMatching(/backend is refused \(the host resolves to a loopback address\)/),
        reason: 'loopback',
      });
      expect(refused.body.toString()).not.toContain('127.0.0.2');
      expect(hits).toBe(1);
      const [logged] = await t.db.database.query<{ status: number; problem: string }>(
        'SELECT status, problem FROM bridge_message_log WHERE xroad_id = $1',
        [refused.headers['x-road-id']],
      );
      expect(logged).toEqual({ status: 502, problem: 'bridge-provider-error' });
      const health = await api(
        'GET',
        `/bridge/services/${registered.json().id}/health`,
        memberKeys.DGID ?? '',
      );
      expect(health.body.probe).toMatchObject({
        reachable: false,
        error: 'backend refused: the host resolves to a loopback address',
      });
      expect(hits).toBe(1);
    } finally {
      await listing.close();
      inside.close();
    }
  });

  it('refuses traversal, encoded separators, empty segments and repeated parameters', async () => {
    const cases = [
      `/r1/${service}/attestations/../../admin`,
      `/r1/${service}/attestations/%2e%2e/x`,
      `/r1/${service}/attestations/a%2Fb`,
      `/r1/${service}//127.0.0.1/attestations/1`,
      `/r1/${service}/attestations/1?nin=1&nin=2`,
    ];
    const before = backend.hits.length;
    for (const path of cases) {
      const res = await sendRaw(path, { keyid: 'bank-2', key: bankKeyFor('bank-2') });
      expect(res.status, path).toBe(400);
      expect(res.body.type, path).toBe(problemType('bridge-invalid-path'));
    }
    expect(backend.hits.length).toBe(before);
    expect(internal.hits).toEqual([]);
  });

  it('refuses a body larger than the limit without passing it on whole', async () => {
    const before = backend.hits.length;
    const big = Buffer.alloc(65 * 1024 * 1024, 1);
    const answer = await bank.call({
      service,
      path: '/upload',
      body: big,
      contentType: 'application/octet-stream',
    });
    expect(answer.status).toBe(413);
    expect(answer.json()).toMatchObject({ type: problemType('bridge-body-too-large') });
    expect(backend.hits.length).toBe(before);
  });

  it('a body that does not match its signed Content-Digest never reaches the provider complete', async () => {
    const body = Buffer.alloc(200_000, 3);
    const signed = await httpbis.signMessage(
      {
        key: createSigner(bankKeyFor('bank-2'), 'ed25519', 'bank-2'),
        fields: ['@method', '@target-uri', 'x-road-client', 'content-digest'],
        params: ['created', 'nonce', 'keyid', 'alg'],
        paramValues: { nonce: randomBytes(18).toString('base64url') },
      },
      {
        method: 'POST',
        url: `${base}/r1/${service}/upload`,
        headers: {
          'x-road-client': 'SN/COM/BTERANGA/kyc',
          'content-digest': `sha-256=:${createHash('sha256').update('something else').digest('base64')}:`,
          'content-length': String(body.length),
        },
      },
    );
    const res = await undiciRequest(`${base}/r1/${service}/upload`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toMatchObject({ type: problemType('bridge-digest-mismatch') });
    await new Promise((r) => setTimeout(r, 100));
    expect(backend.uploads).not.toContain(body.length);
  });

  it('streams a 50 MB upload to the provider while it is still being sent, and a 3 MB answer back', async () => {
    const size = 50 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    const digest = createHash('sha256');
    for (let i = 0; i < 50; i++) digest.update(chunk);
    const expected = digest.digest();
    // The client stops after 10 MB until the provider has seen bytes: a gateway that buffered the
    // whole body before forwarding would wait forever here.
    async function* body() {
      for (let i = 0; i < 50; i++) {
        if (i === 10) await backend.firstUploadByte;
        yield chunk;
      }
    }
    const signed = await httpbis.signMessage(
      {
        key: createSigner(bankKeyFor('bank-2'), 'ed25519', 'bank-2'),
        fields: ['@method', '@target-uri', 'x-road-client', 'content-digest'],
        params: ['created', 'nonce', 'keyid', 'alg'],
        paramValues: { nonce: randomBytes(18).toString('base64url') },
      },
      {
        method: 'POST',
        url: `${base}/r1/${service}/upload`,
        headers: {
          'x-road-client': 'SN/COM/BTERANGA/kyc',
          'content-digest': `sha-256=:${expected.toString('base64')}:`,
          'content-length': String(size),
          'content-type': 'application/octet-stream',
        },
      },
    );
    const res = await undiciRequest(`${base}/r1/${service}/upload`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: Readable.from(body()),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ bytes: size, sha256: expected.toString('hex') });

    const big = await bank.call({ service, path: '/big' });
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(3 * 1024 * 1024);
    const [row] = await t.db.database.query<{ response_hash: string; response_bytes: string }>(
      `SELECT response_hash, response_bytes FROM bridge_message_log WHERE endpoint = 'GET /big'`,
    );
    expect(row?.response_hash).toBe(createHash('sha256').update(big.body).digest('hex'));
    expect(Number(row?.response_bytes)).toBe(3 * 1024 * 1024);
  }, 60_000);

  it('a right revoked on one node is enforced by another node within a second', async () => {
    const other = await buildApp({
      config: t.config,
      database: t.db.database,
      logStream: new PassThrough(),
      webDir: '/nonexistent',
    });
    await other.ready();
    try {
      const sign = async () =>
        (
          await httpbis.signMessage(
            {
              key: createSigner(bankKeyFor('bank-2'), 'ed25519', 'bank-2'),
              fields: ['@method', '@target-uri', 'x-road-client'],
              params: ['created', 'nonce', 'keyid', 'alg'],
              paramValues: { nonce: randomBytes(18).toString('base64url') },
            },
            {
              method: 'GET',
              url: `${base}/r1/${service}/attestations/1`,
              headers: { 'x-road-client': 'SN/COM/BTERANGA/kyc' },
            },
          )
        ).headers as Record<string, string>;
      const viaOther = async () =>
        (await other.inject({ method: 'GET', url: `/r1/${service}/attestations/1`, headers: await sign() }))
          .statusCode;
      expect(await viaOther()).toBe(200);
      const rights = await api(
        'GET',
        `/bridge/subsystems/${ids.dgidSubsystem}/rights`,
        memberKeys.DGID ?? '',
      );
      const revoked = await api(
        'DELETE',
        `/bridge/rights/${rights.body.granted[0].id}`,
        memberKeys.DGID ?? '',
      );
      expect(revoked.status).toBe(204);
      const started = Date.now();
      let status = await viaOther();
      while (status === 200 && Date.now() - started < 3000) {
        await new Promise((r) => setTimeout(r, 50));
        status = await viaOther();
      }
      expect(status).toBe(403);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await other.close();
    }
  });

  it('re-seeding the demo population keeps the organisations that bridge members refer to', async () => {
    await seedDemoCountry(t.db.database, {
      profile: getCountryProfile('SN'),
      people: 10,
      seed: 'again',
      reset: true,
    });
    const members = await t.db.database.query('SELECT 1 FROM bridge_members');
    expect(members.length).toBe(4);
    // The member still authenticates; the right on the service was revoked by the test above.
    const answer = await bank.call({ service, path: '/headers' });
    expect(answer.json()).toMatchObject({ status: 403, type: problemType('bridge-access-denied') });
  });

  const privateKeys = new Map<string, KeyObject>();
  function bankKeyFor(keyid: string): KeyObject {
    const key = privateKeys.get(keyid) ?? (keyid === 'bank-1' ? keys.bank.privateKey : undefined);
    if (!key) throw new Error(`no private key ${keyid}`);
    return key;
  }
});
