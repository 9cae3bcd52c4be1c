import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';

/**
 * The trust list: which administrations issue which documents, under which keys. The platform
 * signs it (ES256, `typ: jokko-trust-list+jwt`) with a key verifiers pin as their trust anchor,
 * so a verifier that cached it checks documents offline. A retired issuer key simply leaves the
 * list: what it signed stops verifying.
 */
export interface TrustList {
  iss: string;
  iat: number;
  exp: number;
  issuers: TrustedIssuer[];
}

export interface TrustedIssuer {
  /** The administration (organisation identifier, e.g. DTTR): the `iss` of its credentials. */
  identifier: string;
  name: string;
  /** Public P-256 keys with `kid` and `alg: ES256`. */
  keys: JsonWebKey[];
  /** What it may issue: `vct` values, or document type names (`driving-licence`) meaning their `vctOf` URIs. */
  documentTypes: string[];
}

export const trustListType = 'jokko-trust-list+jwt';

export class TrustListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustListError';
  }
}

/** The list if its signature, type and dates hold against the pinned trust anchor keys; throws otherwise. */
export async function verifyTrustList(
  jwt: string,
  trustAnchorJwks: JSONWebKeySet | JsonWebKey[],
  now: Date,
): Promise<TrustList> {
  const jwks = Array.isArray(trustAnchorJwks) ? { keys: trustAnchorJwks } : trustAnchorJwks;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(jwt, createLocalJWKSet(jwks as JSONWebKeySet), {
      typ: trustListType,
      algorithms: ['ES256'],
      currentDate: now,
      requiredClaims: ['iss', 'iat', 'exp'],
    }));
  } catch (error) {
    throw new TrustListError(`trust list rejected: ${(error as Error).message}`);
  }
  return checkShape(payload);
}

function checkShape(payload: Record<string, unknown>): TrustList {
  const { iss, iat, exp, issuers } = payload;
  if (
    typeof iss !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    !Array.isArray(issuers)
  ) {
    throw new TrustListError('trust list payload is malformed');
  }
  for (const issuer of issuers as TrustedIssuer[]) {
    const ok =
      typeof issuer?.identifier === 'string' &&
      typeof issuer.name === 'string' &&
      Array.isArray(issuer.documentTypes) &&
      issuer.documentTypes.every((t) => typeof t === 'string') &&
      Array.isArray(issuer.keys) &&
      issuer.keys.every(isPublicEs256Key);
    if (!ok) throw new TrustListError(`trust list entry ${String(issuer?.identifier)} is malformed`);
  }
  return { iss, iat, exp, issuers: issuers as TrustedIssuer[] };
}

function isPublicEs256Key(k: JsonWebKey & { kid?: unknown }): boolean {
  return (
    typeof k?.kid === 'string' &&
    k.kty === 'EC' &&
    k.crv === 'P-256' &&
    k.alg === 'ES256' &&
    typeof k.x === 'string' &&
    typeof k.y === 'string' &&
    k.d === undefined
  );
}

/** The issuer key a credential or status list names, if the list still trusts it. */
export function findIssuerKey(
  list: TrustList,
  iss: unknown,
  kid: unknown,
): { issuer: TrustedIssuer; key: JsonWebKey } | undefined {
  const issuer = list.issuers.find((i) => i.identifier === iss);
  const key = issuer?.keys.find((k) => (k as { kid?: string }).kid === kid);
  return issuer && key ? { issuer, key } : undefined;
}
