import { createHash } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';

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

export const artefactHash = (jws: string): string => createHash('sha256').update(jws).digest('hex');

/**
 * Checks an artefact offline against the published keys (GET /v1/consents/keys): the signature,
 * and optionally that it is the revision that follows `previous` in the hash chain. The current
 * status is online (GET /v1/consents/{id}/status); an artefact proves what was agreed, not that
 * it still holds.
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
