import { generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../shared/countries/index.ts';
import { buildApp } from './app.ts';
import { rotateMasterKey } from './cli/keys.ts';
import { type Config, loadConfig } from './config.ts';
import { createAuditLog, publishTreeHead } from './modules/audit/index.ts';
import {
  createBridgeClient,
  loadBridgeKey,
  publishReferenceServices,
  registerDemoBridgeClient,
} from './modules/bridge/index.ts';
import { createDocumentsDeps, issuerKey } from './modules/documents/index.ts';
import { createEservicesDeps } from './modules/eservices/index.ts';
import {
  accessTokenFor,
  confirmTotp,
  createAccount,
  createApiKey,
  registerClient,
  registerConfidentialTwin,
  startTotpEnrolment,
  totpCode,
} from './modules/identity/index.ts';
import { demoCitizens, seedDemoCountry } from './modules/registries/index.ts';
import { createTestDatabase, type TestDatabase, testEngines } from './platform/db/testing.ts';
import {
  createKmsFromConfig,
  developmentMasterKey,
  type KeyManagement,
  KeyUnwrapError,
  type WrappedKey,
} from './platform/kms.ts';
import type { RewrapProgress, SecretColumn } from './platform/secrets-at-rest.ts';
import { publishedSigningKeys } from './platform/signing-keys.ts';
import { storedSecretColumns } from './stored-secrets.ts';
import { freePort } from './testing.ts';

const password = 'Teranga-2026-jokko!';
const twin = {
  clientId: 'secrets-rp',
  secret: 'secrets-rp-secret-0123456789',
  redirectUri: 'https://rp.example/cb',
};
/** A partner's client that authenticates with client_secret_post (the twin uses client_secret_basic). */
const partner = { clientId: 'secrets-partner', secret: 'secrets-partner-secret-9876543210' };
const newMasterKey = randomBytes(32).toString('base64');
const developmentKeyText = developmentMasterKey().material().toString('base64');

/** What must never appear in a row or a log line for a given secret. */
function needlesOf(plaintext: Buffer): string[] {
  const text = plaintext.toString('utf8');
  try {
    const jwk = JSON.parse(text) as { d?: string };
    if (typeof jwk.d === 'string') return [jwk.d];
  } catch {}
  // Base32 TOTP secrets, client secrets, bearer tokens: printable text is looked for as it is.
  if (/^[\x21-\x7e]{16,}$/.test(text)) return [text];
  return [plaintext.toString('hex'), plaintext.toString('base64'), plaintext.toString('base64url')];
}

interface StoredRow {
  key: Record<string, string>;
  text: string;
  wrapped: WrappedKey | null;
  clear: unknown;
}

/** The rows of a table that hold a secret, wrapped or in clear (oidc_payloads holds other models too). */
async function storedRows(db: TestDatabase, column: SecretColumn): Promise<StoredRow[]> {
  const clear = column.clear
    ? column.clear.field
      ? `${column.clear.column}->>'${column.clear.field}'`
      : column.clear.column
    : 'NULL';
  const rows = await db.database.query<
    Record<string, string> & { row_text: string; w: WrappedKey | null; c: unknown }
  >(
    `SELECT ${column.key.map((k) => `${k}::text AS ${k}`).join(', ')}, t::text AS row_text, ${column.wrapped} AS w,
       ${clear} AS c FROM ${column.table} t WHERE ${column.wrapped} IS NOT NULL OR ${clear} IS NOT NULL`,
  );
  return rows.map((r) => ({ key: r, text: r.row_text, wrapped: r.w, clear: r.c }));
}

describe.each(testEngines())('secrets at rest on %s', (kind) => {
  let db: TestDatabase;
  const logs: string[] = [];
  let running: { app: FastifyInstance; base: string; config: Config; kms: KeyManagement } | undefined;
  let nins: string[];
  let totpSecret: string;
  const bridgeClientKey = generateKeyPairSync('ed25519');
  let bridgeClientId: string | undefined;

  async function start(env: Record<string, string> = {}) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ LOG_LEVEL: 'debug', JOKKO_SEED_ON_START: 'false', PUBLIC_URL: base, ...env });
    const logStream = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const app = await buildApp({ config, database: db.database, logStream, webDir: '/nonexistent-web-dir' });
    await app.listen({ host: '127.0.0.1', port });
    running = { app, base, config, kms: createKmsFromConfig(config.kms) };
    return running;
  }
  async function stop() {
    await running?.app.close();
    running = undefined;
  }
  /** A full OpenID Connect sign-in with password and TOTP, then a call with the access token. */
  async function signInWithTotp(base: string, nin: string, secret: string, app: FastifyInstance, step = 0) {
    const token = await accessTokenFor(base, twin, {
      nin,
      password,
      acr: 'substantial',
      totp: () => totpCode(secret, step),
    });
    const me = await app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
  }

  /**
   * The token endpoint's verdict on a client's credentials: a made-up code is refused as
   * `invalid_grant` only once the client has authenticated, as `invalid_client` before.
   */
  async function tokenEndpointError(
    base: string,
    clientId: string,
    secret: string,
    method: 'basic' | 'post',
  ) {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-code-the-provider-issued',
      redirect_uri: twin.redirectUri,
      code_verifier: 'v'.repeat(43),
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (method === 'basic') {
      const credentials = `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`;
      headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    } else {
      body.set('client_id', clientId);
      body.set('client_secret', secret);
    }
    const res = await fetch(`${base}/oidc/token`, { method: 'POST', headers, body });
    return ((await res.json()) as { error?: string }).error;
  }
  async function expectClientsAuthenticate(
    base: string,
    clients: Array<{ clientId: string; secret: string }>,
  ) {
    for (const c of clients) {
      const method = c.clientId === partner.clientId ? 'post' : 'basic';
      expect(await tokenEndpointError(base, c.clientId, c.secret, method), c.clientId).toBe('invalid_grant');
      expect(await tokenEndpointError(base, c.clientId, `${c.secret}-wrong`, method), c.clientId).toBe(
        'invalid_client',
      );
    }
  }
  /**
   * A call through the bridge to a reference service: its backend, the registries API, answers only
   * with the bearer token the bridge keeps wrapped in bridge_services.
   */
  async function expectBridgeForwards(base: string, kms: KeyManagement) {
    const audit = createAuditLog(db.database);
    // Publishes once; later calls only follow the port of a restarted platform.
    await publishReferenceServices(db.database, audit, {
      instance: 'SN',
      registriesUrl: `${base}/v1/registries`,
      kms,
    });
    bridgeClientId ??= await registerDemoBridgeClient(db.database, audit, {
      instance: 'SN',
      keyid: 'secrets-bridge',
      publicJwk: bridgeClientKey.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    });
    const client = createBridgeClient({
      bridgeUrl: base,
      client: bridgeClientId!,
      keyid: 'secrets-bridge',
      privateKey: bridgeClientKey.privateKey,
      alg: 'ed25519',
    });
    const nin = nins[0]!;
    // The backend refuses a caller without the token.
    expect((await fetch(`${base}/v1/registries/people/${nin}`)).status).toBe(401);
    // Written straight to the database: the node picks the catalogue change up within 250 ms.
    let status = 0;
    for (const until = Date.now() + 5000; status !== 200 && Date.now() < until; ) {
      status = (
        await client.call({
          service: 'SN/GOV/DAF/registries/people/v1',
          path: `/people/${nin}`,
          subject: nin,
        })
      ).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await seedDemoCountry(db.database, { profile: getCountryProfile('SN'), people: 12, seed: 'secrets' });
    nins = (await demoCitizens(db.database)).slice(0, 2).map((c) => c.nin);
    for (const nin of nins) await createAccount(db.database, nin, password);
    await registerConfidentialTwin(db.database, twin);
  });
  afterAll(async () => {
    await stop();
    await db.dispose();
  });

  it('stores every private key and shared secret wrapped, never in clear, nor in the logs', async () => {
    const { app, base, config, kms } = await start();
    const database = db.database;
    const audit = createAuditLog(database);
    const [accountId] = (
      await database.query<{ id: string }>('SELECT id::text AS id FROM identity_accounts WHERE nin = $1', [
        nins[0],
      ])
    ).map((r) => r.id);
    const factorDeps = { database, audit, publicUrl: base, kms };
    const totp = await startTotpEnrolment(factorDeps, accountId!, nins[0]!);
    totpSecret = totp.secret;
    expect(await confirmTotp(factorDeps, accountId!, totp.factorId, totpCode(totp.secret, -1))).toBe(true);
    // The keys modules make on first use.
    const eservices = createEservicesDeps({
      database,
      audit,
      country: getCountryProfile('SN'),
      clock: () => new Date(),
      publicUrl: base,
      kms,
    });
    await eservices.outputKey();
    await eservices.bridgeKey();
    const documents = createDocumentsDeps({
      database,
      audit,
      clock: () => new Date(),
      kms,
      country: getCountryProfile('SN'),
      publicUrl: base,
    });
    await documents.bridgeKey();
    await issuerKey(documents, 'DTTR');
    expect((await app.inject({ url: '/v1/documents/trust-list' })).statusCode).toBe(200); // the trust key
    await publishTreeHead({ database, kms, clock: () => new Date() }); // the audit log key
    // A partner's client, registered as partner onboarding does, and the bridge's backend tokens.
    await registerClient(
      database,
      {
        client_id: partner.clientId,
        client_secret: partner.secret,
        redirect_uris: [twin.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        subject_type: 'pairwise',
      },
      kms,
    );
    await expectBridgeForwards(base, kms);
    await expectClientsAuthenticate(base, [twin, partner]);
    // A service a member publishes with its own token: the health probe sends it to the backend.
    const seen: Array<string | undefined> = [];
    const backend = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end();
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const memberToken = `member-backend-token-${randomBytes(12).toString('hex')}`;
    try {
      const operator = await createApiKey(database.db, {
        label: 'secrets operator',
        actor: { kind: 'operator', id: 'secrets-operator', roles: ['bridge:admin'] },
      });
      const [subsystem] = await database.query<{ id: string }>(
        `SELECT id FROM bridge_subsystems WHERE code = 'registries' ORDER BY id LIMIT 1`,
      );
      const published = await app.inject({
        method: 'POST',
        url: '/v1/bridge/services',
        headers: { authorization: `Bearer ${operator.key}` },
        payload: {
          subsystemId: subsystem!.id,
          code: 'secrets-check',
          title: 'A backend that wants its token',
          openapi: { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/ping': { get: {} } } },
          backendUrl: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/`,
          backendToken: memberToken,
          personalData: false,
        },
      });
      expect(published.statusCode, published.body).toBe(201);
      const health = await app.inject({
        url: `/v1/bridge/services/${published.json().id}/health`,
        headers: { authorization: `Bearer ${operator.key}` },
      });
      expect(health.statusCode, health.body).toBe(200);
      expect(seen).toEqual([`Bearer ${memberToken}`]);
      const [row] = await database.query<{ t: string }>(
        `SELECT t::text AS t FROM bridge_services t WHERE code = 'secrets-check'`,
      );
      expect(row!.t).not.toContain(memberToken);
    } finally {
      await new Promise((resolve) => backend.close(resolve));
    }

    // The features work on unwrapped keys: a TOTP sign-in whose token the API accepts, a bridge signature.
    await signInWithTotp(base, nins[0]!, totp.secret, app);
    const bridgeKey = await loadBridgeKey(database, kms, new Date());
    const [published] = await publishedSigningKeys(database, 'bridge_signing_keys');
    const signature = sign(null, Buffer.from('exchange'), bridgeKey.privateKey);
    expect(verify(null, Buffer.from('exchange'), { key: published as never, format: 'jwk' }, signature)).toBe(
      true,
    );

    const allLogs = logs.join('');
    expect(logs.length).toBeGreaterThan(10);
    for (const column of storedSecretColumns) {
      const rows = await storedRows(db, column);
      expect(rows.length, column.table).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.clear, `${column.table} clear column`).toBeNull();
        expect(row.wrapped?.keyId, column.table).toBe(config.kms.masterKey.keyId);
        const plaintext = Buffer.from(await kms.unwrap(row.wrapped!, column.context(row.key)));
        for (const needle of needlesOf(plaintext)) {
          expect(row.text, `${column.table} row`).not.toContain(needle);
          expect(allLogs, `${column.table} secret in the logs`).not.toContain(needle);
        }
      }
    }
    const [factorRow] = await storedRows(
      db,
      storedSecretColumns.find((c) => c.table === 'identity_factors')!,
    );
    expect(factorRow!.text).not.toContain(totp.secret);
    expect(Secret.fromBase32(totp.secret).bytes.length).toBe(20);
    // The client secrets left the provider's payloads; the bridge's one token is on every reference service.
    const clients = await storedRows(db, storedSecretColumns.find((c) => c.table === 'oidc_payloads')!);
    expect(clients.map((c) => c.key.id).sort()).toEqual([partner.clientId, twin.clientId].sort());
    const everyPayload = (await database.query<{ t: string }>('SELECT t::text AS t FROM oidc_payloads t'))
      .map((r) => r.t)
      .join('\n');
    for (const secret of [twin.secret, partner.secret]) {
      expect(everyPayload).not.toContain(secret);
      expect(allLogs).not.toContain(secret);
    }
    const services = await storedRows(db, storedSecretColumns.find((c) => c.table === 'bridge_services')!);
    expect(services.length).toBeGreaterThanOrEqual(5);
  });

  it('a wrapped secret copied to another row does not open there', async () => {
    const kms = running!.kms;
    for (const table of ['identity_secrets', 'bridge_signing_keys', 'eservices_keys']) {
      const column = storedSecretColumns.find((c) => c.table === table)!;
      const [a] = await storedRows(db, column);
      const other = { ...a!.key, [column.key[0]!]: `${a!.key[column.key[0]!]}-other` };
      await expect(kms.unwrap(a!.wrapped!, column.context(other))).rejects.toThrow(KeyUnwrapError);
    }
    const [eservicesKey, outputKey] = await db.database.query<{ kid: string; w: WrappedKey }>(
      `SELECT kid, private_key_wrapped AS w FROM eservices_bridge_keys
       UNION ALL SELECT kid, private_key_wrapped FROM eservices_keys`,
    );
    // Same column name in another table: the context names the table too.
    await expect(kms.unwrap(eservicesKey!.w, `eservices_keys.private_key:${outputKey!.kid}`)).rejects.toThrow(
      KeyUnwrapError,
    );
  });

  it('refuses to start under a master key that does not open the stored secrets, and says which', async () => {
    await stop();
    const config = loadConfig({
      LOG_LEVEL: 'warn',
      JOKKO_SEED_ON_START: 'false',
      JOKKO_MASTER_KEY: newMasterKey,
    });
    await expect(buildApp({ config, database: db.database, webDir: '/nonexistent-web-dir' })).rejects.toThrow(
      /oidc_signing_keys holds secrets the configured master keys do not open \(wrapped under dev-/,
    );
  });

  it('rotate-master re-wraps every secret once; the platform then runs on the new key alone', async () => {
    const config = loadConfig({
      JOKKO_MASTER_KEY: newMasterKey,
      JOKKO_MASTER_KEY_PREVIOUS: developmentKeyText,
    });
    const kms = createKmsFromConfig(config.kms);
    const before = new Map<string, number>();
    for (const column of storedSecretColumns) before.set(column.table, (await storedRows(db, column)).length);
    const progress: RewrapProgress[] = [];
    const first = await rotateMasterKey(db.database, kms, {
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });
    for (const t of first.tables) expect(t.rewrapped, t.table).toBe(before.get(t.table));
    const oidcProgress = progress.filter((p) => p.table === 'identity_secrets');
    expect(oidcProgress.at(-1)).toEqual({ table: 'identity_secrets', done: 3, total: 3 });
    expect(oidcProgress.length).toBe(2); // batches of two

    const second = await rotateMasterKey(db.database, kms);
    expect(second.tables.every((t) => t.rewrapped === 0 && t.wrappedFromClear === 0)).toBe(true);
    for (const column of storedSecretColumns)
      for (const row of await storedRows(db, column))
        expect(row.wrapped?.keyId).toBe(config.kms.masterKey.keyId);

    const entries = await db.database.query<{ details: unknown }>(
      `SELECT details FROM audit_log WHERE action = 'platform.master-key.rotated' ORDER BY seq`,
    );
    expect(entries).toHaveLength(2);
    expect(JSON.stringify(entries[0]!.details)).toContain(config.kms.masterKey.keyId);
    expect(JSON.stringify(entries)).not.toMatch(/ciphertext|dataKey/);

    // The new key alone: the provider's keys, cookie secrets and the TOTP secret all open.
    const { app, base } = await start({ JOKKO_MASTER_KEY: newMasterKey });
    // The next 30-second step: the current one was used by the first sign-in.
    await signInWithTotp(base, nins[0]!, totpSecret, app, 1);
    await expectClientsAuthenticate(base, [twin, partner]);
    await expectBridgeForwards(base, running!.kms);
  });

  it('wraps, at start, the secrets an older version stored in clear', async () => {
    await stop();
    const database = db.database;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const consentJwk = privateKey.export({ format: 'jwk' });
    await database.query(
      `INSERT INTO consent_signing_keys (kid, private_jwk, public_jwk, created_at) VALUES ('legacy-consent', $1, $2, now())`,
      [JSON.stringify(consentJwk), JSON.stringify(publicKey.export({ format: 'jwk' }))],
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    await database.query(`INSERT INTO oidc_signing_keys (kid, private_jwk) VALUES ('legacy-oidc', $1)`, [
      JSON.stringify({ ...ec, kid: 'legacy-oidc', alg: 'ES256', use: 'sig' }),
    ]);
    const shared = randomBytes(32);
    await database.query(`INSERT INTO identity_secrets (name, secret) VALUES ('legacy-secret', $1)`, [
      shared,
    ]);
    const legacyTotp = new Secret({ size: 20 }).base32;
    const [account] = await database.query<{ id: string }>(
      'SELECT id::text AS id FROM identity_accounts WHERE nin = $1',
      [nins[1]],
    );
    await database.query(
      `INSERT INTO identity_factors (id, account_id, kind, name, confirmed, totp_secret) VALUES ($1, $2, 'totp', 'legacy', true, $3)`,
      [randomUUID(), account!.id, legacyTotp],
    );

    // A client as oidc-provider stores it, secret in the payload; backend tokens in clear.
    const legacyClient = { clientId: 'secrets-legacy', secret: 'secrets-legacy-secret-5555555555' };
    await database.query(`INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', $1, $2)`, [
      legacyClient.clientId,
      JSON.stringify({
        client_id: legacyClient.clientId,
        client_secret: legacyClient.secret,
        redirect_uris: [twin.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
    ]);
    const tokenColumn = storedSecretColumns.find((c) => c.table === 'bridge_services')!;
    const rotatedKms = createKmsFromConfig(loadConfig({ JOKKO_MASTER_KEY: newMasterKey }).kms);
    const legacyTokens: string[] = [];
    for (const row of await storedRows(db, tokenColumn)) {
      const token = Buffer.from(await rotatedKms.unwrap(row.wrapped!, tokenColumn.context(row.key))).toString(
        'utf8',
      );
      legacyTokens.push(token);
      await database.query(
        'UPDATE bridge_services SET backend_token = $2, backend_token_wrapped = NULL WHERE id = $1',
        [row.key.id, token],
      );
    }

    const { app, base, kms } = await start({ JOKKO_MASTER_KEY: newMasterKey });
    const expected: Record<string, string> = {
      consent_signing_keys: consentJwk.d!,
      oidc_signing_keys: ec.d!,
      identity_secrets: shared.toString('hex'),
      identity_factors: legacyTotp,
      oidc_payloads: legacyClient.secret,
      bridge_services: legacyTokens[0]!,
    };
    for (const [table, secret] of Object.entries(expected)) {
      const column = storedSecretColumns.find((c) => c.table === table)!;
      const rows = await storedRows(db, column);
      for (const row of rows) {
        expect(row.clear, table).toBeNull();
        expect(row.text, table).not.toContain(secret);
      }
      const opened = await Promise.all(
        rows.map(async (r) => Buffer.from(await kms.unwrap(r.wrapped!, column.context(r.key)))),
      );
      const found = opened.some((p) => p.toString('utf8').includes(secret) || p.toString('hex') === secret);
      expect(found, `${table}: the wrapped value is the old secret`).toBe(true);
    }
    // The legacy OIDC key is the newest: it signs; the legacy TOTP factor signs the citizen in.
    const jwks = (await app.inject({ url: '/oidc/jwks' })).json() as { keys: Array<{ kid: string }> };
    expect(jwks.keys[0]!.kid).toBe('legacy-oidc');
    await signInWithTotp(base, nins[1]!, legacyTotp, app);
    // The legacy client authenticates with its wrapped secret; the bridge forwards with the wrapped token.
    await expectClientsAuthenticate(base, [legacyClient, twin, partner]);
    await expectBridgeForwards(base, kms);
  });
});
