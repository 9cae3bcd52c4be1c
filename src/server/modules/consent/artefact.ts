import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { CompactSign, compactVerify, importJWK } from 'jose';
import type { Database } from '../../platform/db/database.ts';

export type ConsentStatus = 'ACTIVE' | 'PAUSED' | 'REVOKED' | 'EXPIRED';
export type Frequency = { type: 'once' } | { type: 'recurring'; perDay: number };

/** What a consent artefact states; its signature makes it checkable offline by partners and providers. */
export interface ArtefactClaims {
  /** Consent id. */
  jti: string;
  rev: number;
  /** SHA-256 (hex) of the previous revision's JWS; null for the first. */
  prev: string | null;
  /** The citizen (NIN). */
  sub: string;
  /** The partner subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM. */
  partner: string;
  items: Array<{ service: string; fields?: string[] }>;
  purpose: { code: string; text: string };
  /** Validity, seconds since the epoch. */
  nbf: number;
  exp: number;
  frequency: Frequency;
  dataLifeDays: number;
  status: ConsentStatus;
  iat: number;
}

export interface ConsentKey {
  kid: string;
  privateKey: KeyObject;
}

/** The newest consent signing key, created by the first node that needs one. */
export async function loadConsentKey(database: Database, now: Date): Promise<ConsentKey> {
  const newest = async () =>
    (
      await database.query<{ kid: string; private_jwk: Record<string, unknown> }>(
        'SELECT kid, private_jwk FROM consent_signing_keys ORDER BY created_at DESC, kid LIMIT 1',
      )
    )[0];
  let row = await newest();
  if (!row) {
    await database.transaction(async (session) => {
      await session.query('LOCK TABLE consent_signing_keys IN EXCLUSIVE MODE');
      if ((await session.query('SELECT 1 FROM consent_signing_keys LIMIT 1')).length) return;
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const kid = `consent-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
      await session.query(
        'INSERT INTO consent_signing_keys (kid, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4)',
        [
          kid,
          JSON.stringify(privateKey.export({ format: 'jwk' })),
          JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' }),
          now,
        ],
      );
    });
    row = await newest();
  }
  if (!row) throw new Error('no consent signing key');
  return { kid: row.kid, privateKey: createPrivateKey({ key: row.private_jwk as never, format: 'jwk' }) };
}

export async function publishedConsentKeys(database: Database): Promise<Array<Record<string, unknown>>> {
  const rows = await database.query<{ public_jwk: Record<string, unknown> }>(
    'SELECT public_jwk FROM consent_signing_keys ORDER BY created_at DESC',
  );
  return rows.map((r) => r.public_jwk);
}

export const artefactHash = (jws: string): string => createHash('sha256').update(jws).digest('hex');

export async function signArtefact(key: ConsentKey, claims: ArtefactClaims): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'consent+jws' })
    .sign(key.privateKey);
}

/**
 * Checks an artefact offline against the published keys: the signature, and optionally that it is
 * the revision that follows `previous` in the hash chain. The current status is online
 * (GET /v1/consents/{id}/status); an artefact proves what was agreed, not that it still holds.
 */
export async function verifyArtefact(
  jws: string,
  keys: Array<Record<string, unknown>>,
  previous?: string,
): Promise<{ ok: true; claims: ArtefactClaims } | { ok: false; reason: string }> {
  try {
    const [header] = jws.split('.');
    const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { kid?: string };
    const jwk = keys.find((k) => k.kid === kid);
    if (!jwk) return { ok: false, reason: `unknown signing key ${kid}` };
    const { payload } = await compactVerify(jws, await importJWK(jwk as never, 'EdDSA'));
    const claims = JSON.parse(new TextDecoder().decode(payload)) as ArtefactClaims;
    if (previous !== undefined && claims.prev !== artefactHash(previous))
      return { ok: false, reason: 'this revision does not follow the given one' };
    return { ok: true, claims };
  } catch (err) {
    return { ok: false, reason: `the signature does not verify: ${(err as Error).message}` };
  }
}
