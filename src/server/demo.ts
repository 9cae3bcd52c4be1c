import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { createAuditLog } from './modules/audit/index.ts';
import { authenticateApiKey, createApiKey } from './modules/identity/index.ts';
import type { Database } from './platform/db/database.ts';

/**
 * Demo credentials exist in embedded mode only. The keys are random, kept in a file readable by
 * the owner alone inside the data folder, and printed at each embedded start so a newcomer can try
 * the API at once. A PostgreSQL deployment never gets them.
 */
export interface DemoCredentials {
  operatorApiKey: string;
  createdAt: string;
}

const fileName = 'demo-credentials.json';

export function demoCredentialsPath(config: Config): string {
  return join(config.dataDir, fileName);
}

export function readDemoCredentials(config: Config): DemoCredentials | undefined {
  const path = demoCredentialsPath(config);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as DemoCredentials;
}

export async function ensureDemoCredentials(
  config: Config,
  database: Database,
): Promise<DemoCredentials | undefined> {
  if (config.databaseUrl) return undefined;
  const existing = readDemoCredentials(config);
  // The file can outlive its database (a deleted data/pglite folder): then make a new key.
  if (existing && (await authenticateApiKey(database.db, existing.operatorApiKey, new Date())))
    return existing;
  const { id, key } = await createApiKey(database.db, {
    label: 'demo operator (embedded mode)',
    actor: {
      kind: 'operator',
      id: 'demo-operator',
      roles: ['registries:read', 'audit:read', 'audit:verify'],
    },
  });
  await createAuditLog(database).record({
    actor: { kind: 'system', id: 'start' },
    action: 'identity.api-key.created',
    subject: { kind: 'api-key', id },
    outcome: 'success',
    details: { label: 'demo operator (embedded mode)', embedded: true },
  });
  const credentials: DemoCredentials = { operatorApiKey: key, createdAt: new Date().toISOString() };
  const path = demoCredentialsPath(config);
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return credentials;
}
