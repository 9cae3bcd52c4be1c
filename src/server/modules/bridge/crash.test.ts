import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../platform/db/database.ts';
import { createTestDatabase, testEngines } from '../../platform/db/testing.ts';
import {
  prepareBridgeExchange as prepare,
  prepareBridgeDatabase as prepareDatabase,
  bridgeTestService as service,
} from '../../testing/bridge-fixtures.ts';
import { startServerOnFreePort } from '../../testing/processes.ts';
import { verifyAuditLog } from '../audit/index.ts';
import { createBridgeClient } from './index.ts';

describe.runIf(testEngines().includes('postgres'))('two bridge processes on one PostgreSQL', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('a right revoked or a member suspended through one is enforced by the other within a second', async () => {
    const pgTest = await createTestDatabase('postgres');
    const keys = await prepareDatabase(pgTest.database);
    const backend = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const started = await startServerOnFreePort(
        (port) => ({
          DATABASE_URL: pgTest.url ?? '',
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          JOKKO_SEED_ON_START: 'false',
        }),
        ports,
      );
      children.push(started.child);
      ports.push(started.port);
    }
    const [a, b] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string];
    const { bankKey, api, rightId } = await prepare(
      a,
      keys,
      `http://127.0.0.1:${(backend.address() as AddressInfo).port}/api`,
    );
    const viaB = createBridgeClient({
      bridgeUrl: b,
      client: 'SN/COM/BAOBAB/kyc',
      keyid: 'bank-1',
      privateKey: bankKey.privateKey,
      alg: 'ed25519',
    });
    const call = async () => (await viaB.call({ service, path: '/attestations/1' })).status;
    const enforcedWithin = async () => {
      const started = Date.now();
      let status = await call();
      while (status === 200 && Date.now() - started < 5000) status = await call();
      return { status, ms: Date.now() - started };
    };
    // Node B learnt the catalogue from node A's writes.
    const until = Date.now() + 3000;
    while ((await call()) !== 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await call()).toBe(200);

    const member = (await (
      await fetch(`${a}/v1/bridge/members`, { headers: { authorization: `Bearer ${keys.operator}` } })
    ).json()) as { items: Array<{ id: string; memberId: string }> };
    const bankMember = member.items.find((m) => m.memberId === 'SN/COM/BAOBAB');
    await api(keys.operator, 'POST', `/bridge/members/${bankMember?.id}/decision`, { decision: 'suspend' });
    const suspended = await enforcedWithin();
    expect(suspended.status).toBe(403);
    expect(suspended.ms).toBeLessThan(1000);
    await api(keys.operator, 'POST', `/bridge/members/${bankMember?.id}/decision`, {
      decision: 'reactivate',
    });
    const back = Date.now();
    while ((await call()) !== 200 && Date.now() - back < 3000) await new Promise((r) => setTimeout(r, 20));

    await api(keys.provider, 'DELETE', `/bridge/rights/${rightId}`);
    const revoked = await enforcedWithin();
    expect(revoked.status).toBe(403);
    expect(revoked.ms).toBeLessThan(1000);
    backend.close();
    for (const c of children.splice(0)) c.kill('SIGTERM');
    await pgTest.dispose();
  }, 120_000);
});

describe.each(testEngines())('the bridge killed with SIGKILL under load on %s', (kind) => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('keeps in its message log every exchange a client saw succeed, and the audit chain verifies', async () => {
    // The database outlives the server process: PostgreSQL, or PGlite in a folder on disk.
    const pgTest = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'jokko-crash-'));
    const open = (): Promise<Database> =>
      pgTest ? Promise.resolve(pgTest.database) : openDatabase({ dataDir: join(dataDir, 'pglite') });
    const env: Record<string, string> = pgTest?.url
      ? { DATABASE_URL: pgTest.url }
      : { JOKKO_DATA_DIR: dataDir };

    let database = await open();
    const keys = await prepareDatabase(database);
    if (!pgTest) await database.close();

    // Sized answers take the buffered, signed path; chunked ones stream: both are covered.
    let answers = 0;
    const backend = createServer((_req, res) => {
      const body = Buffer.from('{"status":"à jour"}');
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(answers++ % 2 ? { 'content-length': body.length } : {}),
      });
      res.end(body);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    // A long group-commit window makes the test sharper still: a gateway that answered before its
    // log write committed would lose the answers of the last 50 ms.
    const { child: server, port } = await startServerOnFreePort((p) => ({
      ...env,
      PORT: String(p),
      PUBLIC_URL: `http://127.0.0.1:${p}`,
      JOKKO_SEED_ON_START: 'false',
      BRIDGE_LOG_BATCH_MS: '50',
    }));
    const base = `http://127.0.0.1:${port}`;
    children.push(server);

    const { bankKey } = await prepare(
      base,
      keys,
      `http://127.0.0.1:${(backend.address() as AddressInfo).port}/api`,
    );

    const client = createBridgeClient({
      bridgeUrl: base,
      client: 'SN/COM/BAOBAB/kyc',
      keyid: 'bank-1',
      privateKey: bankKey.privateKey,
      alg: 'ed25519',
    });
    const acknowledged: string[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const xroadId = `crash-${n++}`;
        try {
          const answer = await client.call({ service, path: '/attestations/1000271828182', xroadId });
          if (answer.status === 200) {
            acknowledged.push(xroadId);
            // Kill the moment an answer arrives: a gateway that answered before its log write
            // committed would lose this very exchange.
            if (acknowledged.length === killAfter) server.kill('SIGKILL');
          }
        } catch {
          // The server is gone: requests in flight fail, which is the point.
        }
      }
    };
    const killAfter = 150;
    const died = new Promise((r) => {
      server.removeAllListeners('close');
      server.on('close', r);
    });
    const workers = Array.from({ length: 16 }, worker);
    await died;
    stop = true;
    await Promise.all(workers);
    backend.close();
    expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);

    database = await open();
    const logged = new Set(
      (
        await database.query<{ xroad_id: string }>(
          "SELECT xroad_id FROM bridge_message_log WHERE xroad_id LIKE 'crash-%'",
        )
      ).map((r) => r.xroad_id),
    );
    const missing = acknowledged.filter((id) => !logged.has(id));
    expect(missing).toEqual([]);
    expect((await verifyAuditLog(database)).ok).toBe(true);
    if (pgTest) await pgTest.dispose();
    else await database.close();
  }, 120_000);
});
