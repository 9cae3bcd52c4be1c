import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement, WrappedKey } from '../../platform/kms.ts';
import { type SecretColumn, secretContext, unwrapStored } from '../../platform/secrets-at-rest.ts';
import type { AuditLog } from '../audit/index.ts';

/**
 * Second factors. TOTP follows RFC 6238 with the parameters every authenticator app understands
 * (SHA-1, 6 digits, 30 s); passkeys are WebAuthn credentials checked by @simplewebauthn/server.
 * The factors proven in a login become its `amr` (RFC 8176 values) and decide its `acr`.
 */

export interface FactorDeps {
  database: Database;
  audit: AuditLog;
  publicUrl: string;
  /** Wraps TOTP secrets at rest. */
  kms: KeyManagement;
  clock?: () => Date;
}

const totpContext = (factorId: string) => secretContext('identity_factors', 'totp_secret', factorId);

/** Where TOTP secrets are stored wrapped (start-up checks, master-key rotation). */
export const totpSecretColumn: SecretColumn = {
  table: 'identity_factors',
  key: ['id'],
  wrapped: 'totp_secret_wrapped',
  context: (row) => totpContext(row.id!),
  // Before 20261129120000 the base32 secret was kept in clear in totp_secret.
  clear: { column: 'totp_secret', bytes: (secret) => Buffer.from(String(secret), 'utf8') },
};

interface TotpRow {
  id: string;
  totp_secret_wrapped: WrappedKey | null;
  totp_last_step: string | null;
}

/** The base32 secret of a factor row, unwrapped for one check. */
async function totpSecretOf(kms: KeyManagement, factor: TotpRow): Promise<string> {
  const bytes = Buffer.from(await unwrapStored(kms, factor.totp_secret_wrapped, totpContext(factor.id)));
  try {
    return bytes.toString('utf8');
  } finally {
    bytes.fill(0);
  }
}

export type Acr = 'low' | 'substantial' | 'high';
export const acrRank: Record<Acr, number> = { low: 0, substantial: 1, high: 2 };
export const isAcr = (value: unknown): value is Acr => typeof value === 'string' && value in acrRank;

/**
 * low: a password alone. substantial: two factors (password and TOTP, a recovery code or a passkey
 * without user verification). high: a passkey whose authenticator verified the user (PIN or
 * biometrics on the registered device: possession and a second factor in one gesture).
 */
export function assuranceOf(amr: readonly string[], passkeyUserVerified = false): Acr {
  if (amr.includes('hwk') && passkeyUserVerified) return 'high';
  if (amr.includes('pwd') && (amr.includes('otp') || amr.includes('hwk'))) return 'substantial';
  return 'low';
}

/**
 * What a request needs: the lowest of its acr_values (any listed level satisfies the relying
 * party), else the client's registered default, else low. Unknown values are ignored.
 */
export function requiredAcr(
  acrValues: string | undefined,
  clientDefaults: readonly string[] | undefined,
): Acr {
  const listed = (acrValues ? acrValues.split(' ') : (clientDefaults ?? [])).filter(isAcr);
  if (!listed.length) return 'low';
  return listed.reduce((a, b) => (acrRank[b] < acrRank[a] ? b : a));
}

/**
 * The level the relying party prefers: `acr_values` is an ordered list of preferences (OpenID
 * Connect Core 3.1.2.1), so "substantial low" means "substantial when the account can, low
 * otherwise". The minimum stays `requiredAcr`.
 */
export function preferredAcr(
  acrValues: string | undefined,
  clientDefaults: readonly string[] | undefined,
): Acr {
  const listed = (acrValues ? acrValues.split(' ') : (clientDefaults ?? [])).filter(isAcr);
  return listed[0] ?? 'low';
}

export interface FactorSummary {
  id: string;
  kind: 'totp' | 'passkey';
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export async function listFactors(database: Database, accountId: string): Promise<FactorSummary[]> {
  return database.query<FactorSummary>(
    `SELECT id::text AS id, kind, name, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt",
            to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lastUsedAt"
       FROM identity_factors WHERE account_id = $1 AND confirmed ORDER BY created_at`,
    [accountId],
  );
}

const factorName = (name: string) => name.trim().slice(0, 60) || 'Sans nom';

async function audited(
  deps: FactorDeps,
  accountId: string,
  action: string,
  outcome: 'success' | 'denied',
  details: Record<string, unknown>,
  origin?: RequestOrigin,
): Promise<void> {
  await deps.audit.record({
    actor: { kind: 'citizen', id: accountId },
    action,
    subject: { kind: 'account', id: accountId },
    outcome,
    ...(origin ? { origin } : {}),
    details,
  });
}

// ---------------------------------------------------------------------------------------------
// TOTP

const totpFor = (secret: string, label: string) =>
  new TOTP({
    issuer: 'Jokko',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });

/**
 * The code an authenticator app shows for a secret, `offsetSteps` periods of 30 s from `at`: for
 * the demo agent, `jokko totp` and the tests, with the parameters Jokko enrols (SHA-1, 6 digits).
 */
export const totpCode = (secret: string, offsetSteps = 0, at: Date = new Date()): string =>
  totpFor(secret, 'code').generate({ timestamp: at.getTime() + offsetSteps * 30_000 });

export interface TotpEnrolment {
  factorId: string;
  secret: string;
  uri: string;
  /** The otpauth:// URI as an SVG QR code, for authenticator apps. */
  qrSvg: string;
}

/** Starts a TOTP enrolment; the factor counts only once a first code confirms it. */
export async function startTotpEnrolment(
  deps: FactorDeps,
  accountId: string,
  label: string,
  name = 'Application d’authentification',
): Promise<TotpEnrolment> {
  const secret = new Secret({ size: 20 }).base32;
  const factorId = randomUUID();
  await deps.database.query(
    `DELETE FROM identity_factors WHERE account_id = $1 AND kind = 'totp' AND NOT confirmed`,
    [accountId],
  );
  const plaintext = Buffer.from(secret, 'utf8');
  const wrapped = await deps.kms.wrap(plaintext, totpContext(factorId)).finally(() => plaintext.fill(0));
  await deps.database.query(
    `INSERT INTO identity_factors (id, account_id, kind, name, totp_secret_wrapped) VALUES ($1, $2, 'totp', $3, $4)`,
    [factorId, accountId, factorName(name), JSON.stringify(wrapped)],
  );
  const uri = totpFor(secret, label).toString();
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { factorId, secret, uri, qrSvg };
}

/**
 * Accepts a code from the current, previous or next 30-second step (clock drift), and never a
 * step already used: the update only succeeds when the step is newer than the last one accepted,
 * which also settles two nodes receiving the same code at once.
 */
async function acceptTotp(
  deps: { database: Database; kms: KeyManagement },
  factor: TotpRow,
  code: string,
  now: Date,
): Promise<boolean> {
  const { database } = deps;
  const clean = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(clean)) return false;
  const delta = totpFor(await totpSecretOf(deps.kms, factor), 'x').validate({
    token: clean,
    timestamp: now.getTime(),
    window: 1,
  });
  if (delta === null) return false;
  const step = Math.floor(now.getTime() / 30_000) + delta;
  const updated = await database.query(
    `UPDATE identity_factors SET totp_last_step = $2, last_used_at = now(), confirmed = true
      WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
    [factor.id, step],
  );
  return updated.length === 1;
}

export async function confirmTotp(
  deps: FactorDeps,
  accountId: string,
  factorId: string,
  code: string,
  origin?: RequestOrigin,
): Promise<boolean> {
  const [factor] = await deps.database.query<TotpRow>(
    `SELECT id::text AS id, totp_secret_wrapped, totp_last_step::text AS totp_last_step FROM identity_factors
      WHERE id = $1 AND account_id = $2 AND kind = 'totp' AND NOT confirmed`,
    [factorId, accountId],
  );
  const ok = factor ? await acceptTotp(deps, factor, code, (deps.clock ?? (() => new Date()))()) : false;
  if (ok) {
    // One authenticator app per account: a confirmed new one replaces the old.
    await deps.database.query(
      `DELETE FROM identity_factors WHERE account_id = $1 AND kind = 'totp' AND id <> $2`,
      [accountId, factorId],
    );
  }
  await audited(
    deps,
    accountId,
    'identity.factor.added',
    ok ? 'success' : 'denied',
    { kind: 'totp' },
    origin,
  );
  return ok;
}

/** Checks a code against the account's confirmed TOTP factor. */
export async function verifyTotp(
  deps: { database: Database; kms: KeyManagement },
  accountId: string,
  code: string,
  now: Date,
): Promise<boolean> {
  const [factor] = await deps.database.query<TotpRow>(
    `SELECT id::text AS id, totp_secret_wrapped, totp_last_step::text AS totp_last_step FROM identity_factors
      WHERE account_id = $1 AND kind = 'totp' AND confirmed`,
    [accountId],
  );
  return factor ? acceptTotp(deps, factor, code, now) : false;
}

// ---------------------------------------------------------------------------------------------
// Recovery codes

const recoveryAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const normaliseCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');
const hashCode = (code: string) => createHash('sha256').update(normaliseCode(code)).digest();

/** Ten new single-use codes (the old ones stop working), shown to the citizen once. */
export async function issueRecoveryCodes(database: Database, accountId: string): Promise<string[]> {
  const codes = Array.from({ length: 10 }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => recoveryAlphabet[b % recoveryAlphabet.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  await database.transaction(async (tx) => {
    await tx.query('DELETE FROM identity_recovery_codes WHERE account_id = $1', [accountId]);
    for (const code of codes)
      await tx.query('INSERT INTO identity_recovery_codes (account_id, code_hash) VALUES ($1, $2)', [
        accountId,
        hashCode(code),
      ]);
  });
  return codes;
}

export async function redeemRecoveryCode(
  database: Database,
  accountId: string,
  code: string,
): Promise<boolean> {
  const used = await database.query(
    `UPDATE identity_recovery_codes SET used_at = now()
      WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING account_id`,
    [accountId, hashCode(code)],
  );
  return used.length === 1;
}

export async function remainingRecoveryCodes(database: Database, accountId: string): Promise<number> {
  const [row] = await database.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM identity_recovery_codes WHERE account_id = $1 AND used_at IS NULL',
    [accountId],
  );
  return row?.n ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Passkeys (WebAuthn)

const rp = (publicUrl: string) => {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin };
};
const challengeTtlMs = 5 * 60_000;

async function storeChallenge(deps: FactorDeps, purpose: string, challenge: string, accountId?: string) {
  const now = (deps.clock ?? (() => new Date()))();
  await deps.database.query('DELETE FROM identity_challenges WHERE expires_at < $1', [now]);
  await deps.database.query(
    'INSERT INTO identity_challenges (id, purpose, account_id, challenge, expires_at) VALUES ($1, $2, $3, $1, $4)',
    [challenge, purpose, accountId ?? null, new Date(now.getTime() + challengeTtlMs)],
  );
}

/** A challenge is good once, for its purpose (and account), before it expires. */
async function consumeChallenge(deps: FactorDeps, purpose: string, challenge: string, accountId?: string) {
  const now = (deps.clock ?? (() => new Date()))();
  const rows = await deps.database.query<{ account_id: string | null }>(
    'DELETE FROM identity_challenges WHERE id = $1 AND purpose = $2 AND expires_at > $3 RETURNING account_id::text',
    [challenge, purpose, now],
  );
  const row = rows[0];
  if (!row) return false;
  return accountId === undefined || row.account_id === accountId;
}

export async function passkeyRegistrationOptions(
  deps: FactorDeps,
  account: { id: string; nin: string; displayName: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await deps.database.query<{ credential_id: string; transports: string[] | null }>(
    `SELECT credential_id, transports FROM identity_factors WHERE account_id = $1 AND kind = 'passkey'`,
    [account.id],
  );
  const options = await generateRegistrationOptions({
    rpName: 'Jokko',
    rpID: rp(deps.publicUrl).id,
    userName: account.nin,
    userDisplayName: account.displayName,
    // The WebAuthn user handle is the account id (never the NIN): it identifies the account in
    // a username-less passkey login.
    userID: new TextEncoder().encode(account.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({
      id: c.credential_id,
      ...(c.transports ? { transports: c.transports } : {}),
    })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await storeChallenge(deps, 'passkey-register', options.challenge, account.id);
  return options;
}

export async function finishPasskeyRegistration(
  deps: FactorDeps,
  accountId: string,
  name: string,
  response: RegistrationResponseJSON,
  origin?: RequestOrigin,
): Promise<{ factorId: string; userVerified: boolean } | undefined> {
  const { id: rpID, origin: expectedOrigin } = rp(deps.publicUrl);
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge: (c) => consumeChallenge(deps, 'passkey-register', c, accountId),
      expectedOrigin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
  } catch {
    result = { verified: false };
  }
  if (!result.verified) {
    await audited(deps, accountId, 'identity.factor.added', 'denied', { kind: 'passkey' }, origin);
    return undefined;
  }
  const info = result.registrationInfo;
  const factorId = randomUUID();
  await deps.database.query(
    `INSERT INTO identity_factors (id, account_id, kind, name, confirmed, credential_id, public_key, sign_count, transports, device_type, backed_up)
     VALUES ($1, $2, 'passkey', $3, true, $4, $5, $6, $7, $8, $9)`,
    [
      factorId,
      accountId,
      factorName(name),
      info.credential.id,
      Buffer.from(info.credential.publicKey),
      info.credential.counter,
      info.credential.transports ?? null,
      info.credentialDeviceType,
      info.credentialBackedUp,
    ],
  );
  await audited(deps, accountId, 'identity.factor.added', 'success', { kind: 'passkey', factorId }, origin);
  return { factorId, userVerified: info.userVerified };
}

/** Options for a passkey login: for a known account (step-up), or username-less (any passkey). */
export async function passkeyAuthenticationOptions(
  deps: FactorDeps,
  accountId?: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const credentials = accountId
    ? await deps.database.query<{ credential_id: string; transports: string[] | null }>(
        `SELECT credential_id, transports FROM identity_factors WHERE account_id = $1 AND kind = 'passkey'`,
        [accountId],
      )
    : [];
  const options = await generateAuthenticationOptions({
    rpID: rp(deps.publicUrl).id,
    allowCredentials: credentials.map((c) => ({
      id: c.credential_id,
      ...(c.transports ? { transports: c.transports } : {}),
    })),
    userVerification: 'preferred',
  });
  await storeChallenge(deps, 'passkey-login', options.challenge, accountId);
  return options;
}

export interface PasskeyProof {
  accountId: string;
  factorId: string;
  userVerified: boolean;
}

/**
 * Verifies a passkey assertion. The signature counter must move forward when the authenticator
 * keeps one (a cloned key shows up as a counter going back); synced passkeys report zero.
 */
export async function finishPasskeyAuthentication(
  deps: FactorDeps,
  response: AuthenticationResponseJSON,
  expectedAccountId?: string,
): Promise<PasskeyProof | undefined> {
  const [factor] = await deps.database.query<{
    id: string;
    account_id: string;
    public_key: Uint8Array;
    sign_count: string;
    transports: string[] | null;
  }>(
    `SELECT id::text AS id, account_id::text AS account_id, public_key, sign_count::text AS sign_count, transports
       FROM identity_factors WHERE credential_id = $1 AND kind = 'passkey'`,
    [response.id],
  );
  if (!factor || (expectedAccountId && factor.account_id !== expectedAccountId)) return undefined;
  const { id: rpID, origin: expectedOrigin } = rp(deps.publicUrl);
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: (c) => consumeChallenge(deps, 'passkey-login', c, expectedAccountId),
      expectedOrigin,
      expectedRPID: rpID,
      credential: {
        id: response.id,
        publicKey: new Uint8Array(factor.public_key),
        counter: Number(factor.sign_count),
        ...(factor.transports
          ? {
              transports: factor.transports as NonNullable<
                Parameters<typeof verifyAuthenticationResponse>[0]['credential']['transports']
              >,
            }
          : {}),
      },
      requireUserVerification: false,
    });
    if (!result.verified) return undefined;
    await deps.database.query(
      'UPDATE identity_factors SET sign_count = $2, last_used_at = now() WHERE id = $1',
      [factor.id, result.authenticationInfo.newCounter],
    );
    return {
      accountId: factor.account_id,
      factorId: factor.id,
      userVerified: result.authenticationInfo.userVerified,
    };
  } catch {
    return undefined;
  }
}

export async function renameFactor(deps: FactorDeps, accountId: string, factorId: string, name: string) {
  const rows = await deps.database.query(
    'UPDATE identity_factors SET name = $3 WHERE id = $1 AND account_id = $2 RETURNING id',
    [factorId, accountId, factorName(name)],
  );
  return rows.length === 1;
}

/** Removes a factor, but never the last second factor: the account would fall back to a password. */
export async function removeFactor(
  deps: FactorDeps,
  accountId: string,
  factorId: string,
  origin?: RequestOrigin,
): Promise<'removed' | 'not-found' | 'last-factor'> {
  const factors = await listFactors(deps.database, accountId);
  if (!factors.some((f) => f.id === factorId)) return 'not-found';
  if (factors.length === 1) return 'last-factor';
  await deps.database.query('DELETE FROM identity_factors WHERE id = $1 AND account_id = $2', [
    factorId,
    accountId,
  ]);
  await audited(deps, accountId, 'identity.factor.removed', 'success', { factorId }, origin);
  return 'removed';
}
