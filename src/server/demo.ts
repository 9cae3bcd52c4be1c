import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyAsPartner,
  collectPartnerCredentials,
  decidePartnerApplication,
  JokkoProblem,
} from '../client/index.ts';
import { getCountryProfile } from '../shared/countries/index.ts';
import type { Config } from './config.ts';
import { createAuditLog } from './modules/audit/index.ts';
import { publishReferenceServices, registerDemoBridgeClient } from './modules/bridge/index.ts';
import {
  authenticateApiKey,
  confirmTotp,
  createAccount,
  createApiKey,
  findAccountByNin,
  issueActivationCode,
  registerDemoClients,
  setAgentRoles,
  startTotpEnrolment,
  totpCode,
} from './modules/identity/index.ts';
import { demoCitizens } from './modules/registries/index.ts';
import type { Database } from './platform/db/database.ts';
import { createKmsFromConfig } from './platform/kms.ts';

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
  if (existing && (await authenticateApiKey(database.db, existing.operatorApiKey, new Date()))) {
    await registerDemoClients(
      database,
      config.publicUrl,
      existing.bankClient,
      createKmsFromConfig(config.kms),
    );
    return existing;
  }
  const { id, key } = await createApiKey(database.db, {
    label: 'demo operator (embedded mode)',
    actor: {
      kind: 'operator',
      id: 'demo-operator',
      roles: [
        'registries:read',
        'audit:read',
        'audit:verify',
        'bridge:admin',
        'partners:admin',
        'consent:admin',
        'identity:admin',
        'eservices:admin',
      ],
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
  const enrollee = await demoEnrollee(database);
  // One adult is left unenrolled so the enrolment pages can be tried (see demoEnrolment).
  for (const c of await demoCitizens(database)) {
    if (c.nin === enrollee?.nin) continue;
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
  await registerDemoClients(database, config.publicUrl, bankClient, createKmsFromConfig(config.kms));
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

/**
 * One demo citizen without an account, and a fresh activation code for them, printed at each
 * embedded start: what an SMS would bring (the code is also in notify_outbox).
 */
export async function demoEnrolment(
  config: Config,
  database: Database,
): Promise<{ nin: string; name: string; code: string } | undefined> {
  if (config.databaseUrl) return undefined;
  const last = await demoEnrollee(database);
  if (!last || (await findAccountByNin(database, last.nin))) return undefined;
  const { code } = await issueActivationCode(
    { database, audit: createAuditLog(database), country: getCountryProfile(config.country) },
    { kind: 'system', id: 'demo', roles: ['identity:enrol'] },
    last.nin,
    'enrol',
  );
  return { nin: last.nin, name: `${last.givenNames} ${last.familyName}`, code };
}

/** The youngest adult of the demo household. */
async function demoEnrollee(database: Database) {
  const adultBefore = `${new Date().getUTCFullYear() - 18}-01-01`;
  return (await demoCitizens(database)).filter((c) => c.birthDate < adultBefore).at(-1);
}

export interface DemoBridge {
  services: string[];
  /** Embedded mode: a client subsystem with its key file, allowed to call every reference service. */
  client?: { clientId: string; keyid: string; keyFile: string };
}

/**
 * The seeded administrations publish their registries on the bridge (idempotent, at each start,
 * following the URL the server is reached at); in embedded mode a demo client gets a key file.
 */
export async function demoBridge(config: Config, database: Database, baseUrl: string): Promise<DemoBridge> {
  const audit = createAuditLog(database);
  const instance = getCountryProfile(config.country).code;
  const { services } = await publishReferenceServices(database, audit, {
    instance,
    registriesUrl: `${baseUrl}/v1/registries`,
    kms: createKmsFromConfig(config.kms),
  });
  if (config.databaseUrl) return { services };
  const keyFile = join(config.dataDir, 'demo-bridge-client.pem');
  const infoFile = join(config.dataDir, 'demo-bridge-client.json');
  if (existsSync(infoFile) && existsSync(keyFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { clientId: string; keyid: string };
    const known = await database.query('SELECT 1 FROM bridge_keys WHERE keyid = $1', [info.keyid]);
    if (known.length) return { services, client: { ...info, keyFile } };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyid = `demo-${randomBytes(4).toString('hex')}`;
  const clientId = await registerDemoBridgeClient(database, audit, {
    instance,
    keyid,
    publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
  });
  if (!clientId) return { services };
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  writeFileSync(infoFile, `${JSON.stringify({ clientId, keyid }, null, 2)}\n`, { mode: 0o600 });
  return { services, client: { clientId, keyid, keyFile } };
}

export interface DemoBank {
  configFile: string;
  url: string;
}

const bankPort = 4000;

/**
 * Embedded mode: the demo bank (Banque Teranga) is onboarded like any partner, through the public
 * API of the running server: it applies with a fresh key pair, the demo operator approves, it
 * collects its credentials once. What it needs is written to data/demo-bank.json (owner-only), for
 * `npm run example:bank`. Idempotent: a file whose API key still works is kept.
 */
export async function demoBank(
  config: Config,
  url: string,
  operatorApiKey: string,
): Promise<DemoBank | { error: string } | undefined> {
  if (config.databaseUrl) return undefined;
  const configFile = join(config.dataDir, 'demo-bank.json');
  const keyFile = join(config.dataDir, 'demo-bank-key.pem');
  const bankUrl = `http://localhost:${bankPort}/`;
  if (existsSync(configFile) && existsSync(keyFile)) {
    const saved = JSON.parse(readFileSync(configFile, 'utf8')) as { apiKey: string; jokkoUrl: string };
    const works = await fetch(`${url}/v1/bridge/clients`, {
      headers: { authorization: `Bearer ${saved.apiKey}` },
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (saved.jokkoUrl === url && works) return { configFile, url: bankUrl };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyid = `teranga-loans-${randomBytes(3).toString('hex')}`;
  const application = {
    organisation: 'BTERANGA',
    legalName: 'Banque Teranga SA (démonstration)',
    contact: { name: 'Équipe intégration', email: 'integration@teranga.example' },
    purpose:
      'Demandes de prêt : identité, adresse, situation fiscale et titres fonciers, avec l’accord du client.',
    services: [
      `${getCountryProfile(config.country).code}/GOV/DAF/registries/people/v1`,
      `${getCountryProfile(config.country).code}/GOV/DGID/registries/tax-records/v1`,
      `${getCountryProfile(config.country).code}/GOV/DGID/registries/land-titles/v1`,
    ],
    subsystemCode: `loans${randomBytes(2).toString('hex')}`,
    keys: [{ keyid, alg: 'ed25519' as const, publicKeyJwk: publicKey.export({ format: 'jwk' }) }],
    redirectUris: [`http://localhost:${bankPort}/callback`],
  };
  // The three steps a real partner and a real operator take, through the public API.
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T | { error: string }> =>
    run().catch((err: unknown) => ({
      error: `${what}: ${err instanceof JokkoProblem ? (err.body.detail ?? err.status) : (err as Error).message}`,
    }));
  const applied = await step("the demo bank's application was refused", () =>
    applyAsPartner(url, application),
  );
  if ('error' in applied) return applied;
  const decided = await step('the demo operator could not approve the bank', () =>
    decidePartnerApplication(url, operatorApiKey, applied.application.id, {
      decision: 'approve',
      reason: 'embedded demonstration',
    }),
  );
  if ('error' in decided) return decided;
  const credentials = await step('the demo bank could not collect its credentials', () =>
    collectPartnerCredentials(url, applied.application.id, applied.token),
  );
  if ('error' in credentials) return credentials;
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const bank = {
    jokkoUrl: url,
    ...credentials,
    privateKeyFile: keyFile,
    port: bankPort,
    instance: getCountryProfile(config.country).code,
  };
  writeFileSync(configFile, `${JSON.stringify(bank, null, 2)}\n`, { mode: 0o600 });
  chmodSync(configFile, 0o600);
  return { configFile, url: bankUrl };
}

export interface DemoAgent {
  nin: string;
  name: string;
  password: string;
  organisation: string;
  /** Base32 TOTP secret: the agent's second factor (the back-office asks for `substantial`). */
  totpSecret: string;
}

/**
 * Embedded mode: one civil servant of the central criminal record (MJ-CJ) who decides criminal
 * record extracts in the back-office. Agents sign in at `substantial`, so the account gets a TOTP
 * factor whose secret is printed with the password (add it to an authenticator app, or
 * `npm run jokko -- totp <secret>`). Kept in data/demo-agent.json (owner-only); idempotent.
 */
export async function demoAgent(config: Config, database: Database): Promise<DemoAgent | undefined> {
  if (config.databaseUrl) return undefined;
  const file = join(config.dataDir, 'demo-agent.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoAgent;
    if (await findAccountByNin(database, saved.nin)) return saved;
  }
  const household = new Set((await demoCitizens(database)).map((c) => c.nin));
  const adultBefore = `${new Date().getUTCFullYear() - 25}-01-01`;
  const candidates = await database.query<{ nin: string; given_names: string; family_name: string }>(
    `SELECT p.nin, p.given_names, p.family_name FROM people p
      WHERE p.death_date IS NULL AND p.birth_date < $1
        AND NOT EXISTS (SELECT 1 FROM identity_accounts a WHERE a.nin = p.nin)
      ORDER BY p.nin LIMIT 20`,
    [adultBefore],
  );
  const person = candidates.find((c) => !household.has(c.nin));
  if (!person) return undefined;
  const audit = createAuditLog(database);
  const password = `Jokko-${randomBytes(6).toString('base64url')}-agent`;
  const account = await createAccount(database, person.nin, password);
  const factorDeps = { database, audit, publicUrl: config.publicUrl, kms: createKmsFromConfig(config.kms) };
  const totp = await startTotpEnrolment(factorDeps, account.id, person.nin);
  await confirmTotp(factorDeps, account.id, totp.factorId, totpCode(totp.secret, -1));
  const organisation = 'MJ-CJ';
  await setAgentRoles(
    { database, audit, country: getCountryProfile(config.country) },
    { kind: 'system', id: 'demo', roles: ['identity:admin'] },
    person.nin,
    { organisation, roles: ['instructor', 'decider'] },
  );
  const agent: DemoAgent = {
    nin: person.nin,
    name: `${person.given_names} ${person.family_name}`,
    password,
    organisation,
    totpSecret: totp.secret,
  };
  writeFileSync(file, `${JSON.stringify(agent, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return agent;
}
