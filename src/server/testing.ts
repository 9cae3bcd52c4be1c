import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { createApiKey } from './modules/identity/index.ts';
import type { Actor } from './platform/actor.ts';
import type { DatabaseKind } from './platform/db/database.ts';
import { createTestDatabase, type TestDatabase } from './platform/db/testing.ts';
import { createKmsFromConfig, type KeyManagement } from './platform/kms.ts';

/** A real app on a fresh, migrated database of the given engine, with its logs captured. */
export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  config: Config;
  /** The KMS of the configured master key: what a test passes where the platform passes its own. */
  kms: KeyManagement;
  logs: string[];
  /** A bearer key for a new actor with these roles. */
  keyFor(actor: Partial<Actor> & { roles: string[] }): Promise<string>;
  dispose(): Promise<void>;
}

export async function createTestApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  options: { beforeReady?: (app: FastifyInstance) => void; webDir?: string } = {},
): Promise<TestApp> {
  const db = await createTestDatabase(kind);
  const config = loadConfig({ LOG_LEVEL: 'info', JOKKO_SEED_ON_START: 'false', ...env });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({
    config,
    database: db.database,
    logStream,
    webDir: options.webDir ?? '/nonexistent-web-dir',
  });
  options.beforeReady?.(app);
  await app.ready();
  let n = 0;
  return {
    app,
    db,
    config,
    kms: createKmsFromConfig(config.kms),
    logs,
    async keyFor(actor) {
      n++;
      const { key } = await createApiKey(db.database.db, {
        label: `test key ${n}`,
        actor: {
          kind: actor.kind ?? 'operator',
          id: actor.id ?? `test-actor-${n}`,
          roles: actor.roles,
          ...(actor.organisationId ? { organisationId: actor.organisationId } : {}),
        },
      });
      return key;
    },
    async dispose() {
      await app.close();
      await db.dispose();
    },
  };
}

/** A loopback port that was free a moment ago: for servers whose public URL must be known before they listen. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A JSON call to `${base}/v1${path}` with a bearer token (and an Idempotency-Key for a write that has one); the status and the parsed body. */
export async function callApi(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  idempotencyKey?: string,
) {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
