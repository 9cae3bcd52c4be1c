import { SDJwt } from '@sd-jwt/core';
import { unpack } from '@sd-jwt/decode';
import { type BitsPerStatus, StatusList } from '@sd-jwt/jwt-status-list';
import { base64url, compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { findIssuerKey, type TrustedIssuer, type TrustList } from './trust-list.ts';
import { type DocumentType, documentTypeOf } from './types.ts';
import { sha256 } from './webcrypto.ts';

/**
 * The verifier's side, in the order a reviewer reads it: parse, trust the issuer, its signature,
 * the disclosures, the holder binding, the credential's dates, its status. Each check fails with one
 * stable reason. Runs in browsers and Node on WebCrypto; offline when `statusList` serves a cached
 * token. The SD-JWT mechanics (decoding, digests, unpacking) are @sd-jwt's.
 */

export type RejectionReason =
  | 'malformed'
  | 'unknown-issuer'
  | 'bad-signature'
  | 'tampered-disclosure'
  | 'holder-binding'
  | 'presentation-expired'
  | 'expired'
  | 'revoked'
  | 'status-unavailable';

export type VerificationResult =
  | {
      valid: true;
      issuer: { identifier: string; name: string };
      /** The credential's `vct`. */
      type: string;
      /** The platform's document type, when `vct` is one of `vctOf`'s. */
      documentType?: DocumentType;
      /** The disclosed claims only, without the registered ones (iss, vct, iat, exp, cnf, status). */
      claims: Record<string, unknown>;
      issuedAt: Date;
      expiresAt: Date;
    }
  | { valid: false; reason: RejectionReason; detail: string };

export interface CredentialContext {
  trustList: TrustList;
  /** The status list token (a `statuslist+jwt`) at `uri`: fetched, or from the verifier's cache. */
  statusList: (uri: string) => Promise<string>;
  now: Date;
  /** Tolerated clock difference with the wallet and the issuer; 60 s unless given. */
  skewSeconds?: number;
}

export interface PresentationContext extends CredentialContext {
  /** Oldest KB-JWT accepted, e.g. 300 s: a QR code seen yesterday is not shown today. */
  maxAgeSeconds: number;
  expectedAudience?: string;
  expectedNonce?: string;
}

/** A presentation (SD-JWT + KB-JWT): valid with its disclosed claims, or the first reason it is not. */
export async function verifyPresentation(
  presentation: string,
  ctx: PresentationContext,
): Promise<VerificationResult> {
  return run(presentation, ctx, true);
}

/** A credential as issued (no KB-JWT), e.g. checked by the wallet on receipt: all checks but the holder's. */
export async function verifyCredential(
  credential: string,
  ctx: CredentialContext,
): Promise<VerificationResult> {
  return run(credential, ctx, false);
}

class Rejected extends Error {
  readonly reason: RejectionReason;
  readonly detail: string;
  constructor(reason: RejectionReason, detail: string) {
    super(detail);
    this.reason = reason;
    this.detail = detail;
  }
}

const reject = (reason: RejectionReason, detail: string): never => {
  throw new Rejected(reason, detail);
};

async function run(
  encoded: string,
  ctx: CredentialContext & Partial<PresentationContext>,
  keyBound: boolean,
): Promise<VerificationResult> {
  try {
    const sd = await parse(encoded);
    const trusted = trustIssuer(sd, ctx.trustList);
    await checkIssuerSignature(sd, trusted.key);
    const claims = await checkDisclosures(sd);
    if (keyBound) await checkHolderBinding(sd, encoded, ctx as PresentationContext);
    else if (sd.kbJwt) reject('malformed', 'a credential carries no KB-JWT');
    checkValidity(sd.payload, ctx);
    await checkStatus(sd.payload, trusted.issuer, ctx);
    return {
      valid: true,
      issuer: { identifier: trusted.issuer.identifier, name: trusted.issuer.name },
      type: sd.payload.vct,
      documentType: documentTypeOf(sd.payload.vct),
      claims,
      issuedAt: new Date(sd.payload.iat * 1000),
      expiresAt: new Date(sd.payload.exp * 1000),
    };
  } catch (error) {
    if (error instanceof Rejected) return { valid: false, reason: error.reason, detail: error.detail };
    // Fail closed: anything the checks did not foresee is an unreadable document.
    return { valid: false, reason: 'malformed', detail: (error as Error).message };
  }
}

interface CredentialPayload {
  iss: string;
  vct: string;
  iat: number;
  exp: number;
  nbf?: number;
  cnf: { jwk: JsonWebKey };
  status: { status_list: { idx: number; uri: string } };
  _sd_alg?: string;
  [claim: string]: unknown;
}

interface Parsed {
  header: { alg: string; typ: string; kid: string };
  payload: CredentialPayload;
  /** The issuer-signed JWT as received. */
  jwt: string;
  disclosures: NonNullable<SDJwt['disclosures']>;
  kbJwt?: string;
}

async function parse(encoded: string): Promise<Parsed> {
  if (!encoded.includes('~')) reject('malformed', 'not an SD-JWT');
  let sd: SDJwt;
  try {
    sd = await SDJwt.fromEncode(encoded, sha256);
  } catch (error) {
    return reject('malformed', `undecodable SD-JWT: ${(error as Error).message}`);
  }
  const header = sd.jwt?.header as Partial<Parsed['header']> | undefined;
  const p = sd.jwt?.payload as Partial<CredentialPayload> | undefined;
  if (header?.typ !== 'dc+sd-jwt') reject('malformed', 'typ is not dc+sd-jwt');
  if (header?.alg !== 'ES256' || typeof header.kid !== 'string')
    reject('malformed', 'alg must be ES256 with a kid');
  const wellFormed =
    typeof p?.iss === 'string' &&
    typeof p.vct === 'string' &&
    Number.isInteger(p.iat) &&
    Number.isInteger(p.exp) &&
    (p.nbf === undefined || Number.isInteger(p.nbf)) &&
    typeof p.cnf?.jwk === 'object' &&
    Number.isInteger(p.status?.status_list?.idx) &&
    typeof p.status?.status_list?.uri === 'string' &&
    (p._sd_alg === undefined || p._sd_alg === 'sha-256');
  if (!wellFormed) reject('malformed', 'missing or ill-typed registered claims');
  return {
    header: header as Parsed['header'],
    payload: p as CredentialPayload,
    jwt: encoded.slice(0, encoded.indexOf('~')),
    disclosures: sd.disclosures ?? [],
    kbJwt: sd.kbJwt?.encodeJwt(),
  };
}

function trustIssuer(sd: Parsed, trustList: TrustList): { issuer: TrustedIssuer; key: JsonWebKey } {
  const trusted = findIssuerKey(trustList, sd.payload.iss, sd.header.kid);
  if (!trusted) {
    const listed = trustList.issuers.some((i) => i.identifier === sd.payload.iss);
    return reject(
      'unknown-issuer',
      listed ? `key ${sd.header.kid} is not in the trust list` : 'issuer not listed',
    );
  }
  const type = documentTypeOf(sd.payload.vct);
  const allowed = trusted.issuer.documentTypes;
  if (!allowed.includes(sd.payload.vct) && !(type && allowed.includes(type))) {
    reject('unknown-issuer', `issuer is not trusted for ${sd.payload.vct}`);
  }
  return trusted;
}

// Trust-list keys are imported once per key object; a new list brings new objects.
const importedKeys = new WeakMap<JsonWebKey, Promise<CryptoKey>>();
function issuerKey(jwk: JsonWebKey): Promise<CryptoKey> {
  let key = importedKeys.get(jwk);
  if (!key) {
    key = importJWK({ ...jwk }, 'ES256') as Promise<CryptoKey>;
    importedKeys.set(jwk, key);
  }
  return key;
}

async function checkIssuerSignature(sd: Parsed, jwk: JsonWebKey): Promise<void> {
  try {
    await compactVerify(sd.jwt, await issuerKey(jwk), { algorithms: ['ES256'] });
  } catch {
    reject('bad-signature', 'the issuer signature does not verify');
  }
}

/** RFC 9901 §7.1: every disclosure must be referenced by a digest the issuer signed, once. */
async function checkDisclosures(sd: Parsed): Promise<Record<string, unknown>> {
  const { unpackedObj, disclosureKeymap } = await unpack(sd.payload, sd.disclosures, sha256);
  const referenced = new Set(Object.values(disclosureKeymap));
  const seen = new Set<string>();
  for (const disclosure of sd.disclosures) {
    const digest = await disclosure.digest({ hasher: sha256, alg: 'sha-256' });
    if (!referenced.has(digest))
      reject('tampered-disclosure', `disclosure ${digest} is not in the signed payload`);
    if (seen.has(digest)) reject('tampered-disclosure', `disclosure ${digest} is repeated`);
    if (disclosure.key === '_sd' || disclosure.key === '...')
      reject('tampered-disclosure', 'reserved claim name');
    seen.add(digest);
  }
  const {
    iss,
    vct,
    iat,
    nbf,
    exp,
    cnf,
    status,
    _sd_alg,
    'vct#integrity': _,
    ...claims
  } = unpackedObj as CredentialPayload;
  return claims;
}

async function checkHolderBinding(sd: Parsed, encoded: string, ctx: PresentationContext): Promise<void> {
  if (!sd.kbJwt) return reject('holder-binding', 'no KB-JWT');
  let header: ReturnType<typeof decodeProtectedHeader>;
  let kb: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(sd.kbJwt);
    kb = decodeJwt(sd.kbJwt);
  } catch {
    return reject('malformed', 'undecodable KB-JWT');
  }
  if (header.typ !== 'kb+jwt' || header.alg !== 'ES256')
    reject('holder-binding', 'KB-JWT must be kb+jwt, ES256');
  let holderKey: CryptoKey;
  try {
    const { kty, crv, x, y } = sd.payload.cnf.jwk;
    holderKey = (await importJWK({ kty, crv, x, y }, 'ES256')) as CryptoKey;
  } catch {
    return reject('malformed', 'cnf.jwk is not a P-256 public key');
  }
  try {
    await compactVerify(sd.kbJwt, holderKey, { algorithms: ['ES256'] });
  } catch {
    reject('holder-binding', "the KB-JWT is not signed by the credential's holder key");
  }
  // sd_hash covers the SD-JWT exactly as received, up to and including the last `~`.
  const presented = encoded.slice(0, encoded.lastIndexOf('~') + 1);
  const sdHash = base64url.encode(await sha256(presented, 'sha-256'));
  if (kb.sd_hash !== sdHash) reject('holder-binding', 'sd_hash does not match the presented SD-JWT');
  if (ctx.expectedAudience !== undefined && kb.aud !== ctx.expectedAudience) {
    reject('holder-binding', 'the presentation is for another verifier');
  }
  if (ctx.expectedNonce !== undefined && kb.nonce !== ctx.expectedNonce) {
    reject('holder-binding', 'the presentation answers another challenge');
  }
  if (typeof kb.iat !== 'number') return reject('malformed', 'KB-JWT without iat');
  const now = seconds(ctx.now);
  const skew = ctx.skewSeconds ?? 60;
  if (kb.iat > now + skew) reject('presentation-expired', 'the presentation is dated in the future');
  if (now - kb.iat > ctx.maxAgeSeconds) {
    reject(
      'presentation-expired',
      `the presentation is ${now - kb.iat} s old (at most ${ctx.maxAgeSeconds} s)`,
    );
  }
}

function checkValidity(payload: CredentialPayload, ctx: CredentialContext): void {
  const now = seconds(ctx.now);
  const skew = ctx.skewSeconds ?? 60;
  if (payload.exp + skew <= now)
    reject('expired', `expired on ${new Date(payload.exp * 1000).toISOString()}`);
  if ((payload.nbf ?? payload.iat) > now + skew) reject('expired', 'not valid yet');
}

interface CachedStatusList {
  key: JsonWebKey;
  list: StatusList;
  exp?: number;
}
// Verifying and inflating a list once per token keeps a verification well under a millisecond.
const statusListCache = new Map<string, CachedStatusList>();
const statusListCacheSize = 64;

async function checkStatus(
  payload: CredentialPayload,
  issuer: TrustedIssuer,
  ctx: CredentialContext,
): Promise<void> {
  const { idx, uri } = payload.status.status_list;
  let token: string;
  try {
    token = await ctx.statusList(uri);
  } catch (error) {
    return reject('status-unavailable', `status list ${uri} unavailable: ${(error as Error).message}`);
  }
  const { list, exp } = await readStatusList(token, uri, issuer);
  if (exp !== undefined && exp + (ctx.skewSeconds ?? 60) <= seconds(ctx.now)) {
    reject('status-unavailable', 'the status list has expired');
  }
  let status: number;
  try {
    status = list.getStatus(idx);
  } catch {
    return reject('status-unavailable', `index ${idx} is outside the status list`);
  }
  if (status === 1) reject('revoked', 'revoked by its issuer');
  if (status === 2) reject('revoked', 'suspended by its issuer');
  if (status !== 0) reject('revoked', `status ${status}`);
}

/** The list if the token is a `statuslist+jwt` for `uri`, signed by a key the trust list gives its issuer. */
async function readStatusList(token: string, uri: string, issuer: TrustedIssuer): Promise<CachedStatusList> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return reject('status-unavailable', 'undecodable status list token');
  }
  const key = issuer.keys.find((k) => (k as { kid?: string }).kid === header.kid);
  if (!key) return reject('status-unavailable', 'the status list is not signed by a key of the issuer');
  const cacheKey = `${uri} ${token}`;
  const cached = statusListCache.get(cacheKey);
  if (cached?.key === key) return cached;

  if (header.typ !== 'statuslist+jwt' || header.alg !== 'ES256') {
    reject('status-unavailable', 'not a statuslist+jwt (ES256)');
  }
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(
      new TextDecoder().decode(
        (await compactVerify(token, await issuerKey(key), { algorithms: ['ES256'] })).payload,
      ),
    );
  } catch {
    return reject('status-unavailable', 'the status list signature does not verify');
  }
  const statusList = payload.status_list as { bits?: unknown; lst?: unknown } | undefined;
  if (payload.sub !== uri) reject('status-unavailable', 'the status list is for another uri');
  if (![1, 2, 4, 8].includes(statusList?.bits as number) || typeof statusList?.lst !== 'string') {
    reject('status-unavailable', 'malformed status list');
  }
  let list: StatusList;
  try {
    list = StatusList.decompressStatusList(statusList?.lst as string, statusList?.bits as BitsPerStatus);
  } catch {
    return reject('status-unavailable', 'undecodable status list');
  }
  const entry: CachedStatusList = {
    key,
    list,
    exp: typeof payload.exp === 'number' ? payload.exp : undefined,
  };
  if (statusListCache.size >= statusListCacheSize)
    statusListCache.delete(statusListCache.keys().next().value!);
  statusListCache.set(cacheKey, entry);
  return entry;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
