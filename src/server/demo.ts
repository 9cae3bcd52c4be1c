import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { createAuditLog } from './modules/audit/index.ts';
import { authenticateApiKey, createAccount, createApiKey, registerClient } from './modules/identity/index.ts';
import { demoCitizens } from './modules/registries/index.ts';
import type { Database } from './platform/db/database.ts';

/**
 * Demo credentials exist in embedded mode only. The keys are random, kept in a file readable by
 * the owner alone inside the data folder, and printed at each embedded start so a newcomer can try
 * the API at once. A PostgreSQL deployment never gets them.
 */
export interface DemoCredentials {
  operatorApiKey: string;
  /** Accounts of the first household: NIN and password. */
  citizens: Array<{ nin: string; name: string; password: string }>;
  /** The demo bank as an OpenID Connect relying party. */
  bankClient: { clientId: string; clientSecret: string; redirectUri: string };
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
  const citizens: DemoCredentials['citizens'] = [];
  for (const c of await demoCitizens(database)) {
    // Readable, long and random: fine to type from a terminal, never a common password.
    const password = `Jokko-${randomBytes(6).toString('base64url')}-demo`;
    const existing = await database.query('SELECT 1 FROM identity_accounts WHERE nin = $1', [c.nin]);
    if (existing.length) continue;
    await createAccount(database, c.nin, password);
    citizens.push({ nin: c.nin, name: `${c.givenNames} ${c.familyName}`, password });
  }
  const bankClient = {
    clientId: 'demo-bank',
    clientSecret: randomBytes(32).toString('base64url'),
    redirectUri: 'http://localhost:4000/callback',
  };
  await registerClient(database, {
    client_id: bankClient.clientId,
    client_secret: bankClient.clientSecret,
    client_name: 'Banque Teranga (démo)',
    redirect_uris: [bankClient.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  const credentials: DemoCredentials = {
    operatorApiKey: key,
    citizens,
    bankClient,
    createdAt: new Date().toISOString(),
  };
  const path = demoCredentialsPath(config);
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return credentials;
}
