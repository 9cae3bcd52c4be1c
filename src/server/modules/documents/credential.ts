import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { type BitsPerStatus, createHeaderAndPayload, StatusList } from '@sd-jwt/jwt-status-list';
import { SDJwtVcInstance, type SdJwtVcPayload } from '@sd-jwt/sd-jwt-vc';
import { SignJWT } from 'jose';
import { type TrustList, trustListType } from '../../../shared/documents/trust-list.ts';
import { type DocumentType, disclosablePaths, neverDisclosable } from '../../../shared/documents/types.ts';

/**
 * The issuer's side: SD-JWT VC credentials (@sd-jwt/sd-jwt-vc), Token Status Lists
 * (@sd-jwt/jwt-status-list) and the signed trust list, all ES256 with P-256 keys.
 */

export interface SigningKey {
  kid: string;
  /** A P-256 private key. */
  privateKey: KeyObject;
}

export interface IssueInput {
  /** `identifier` (the administration, e.g. DTTR) becomes `iss`, as the trust list names it. */
  issuer: { identifier: string };
  key: SigningKey;
  type: DocumentType;
  vct: string;
  claims: Record<string, unknown>;
  /**
   * Paths the holder may disclose one by one (`family_name`, `age_equal_or_over.18`); by default
   * the type's `disclosablePaths` present in `claims`.
   */
  disclosable?: readonly string[];
  /** The holder's public key (`cnf.jwk`): only its holder can present the credential. */
  holderJwk: JsonWebKey;
  status: { idx: number; uri: string };
  issuedAt: Date;
  expiresAt: Date;
}

export class IssuanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuanceError';
  }
}

/** The SD-JWT VC (`typ: dc+sd-jwt`) with its disclosures: `<jwt>~<disclosure>~…~`. */
export async function issueCredential(input: IssueInput): Promise<string> {
  const reserved = Object.keys(input.claims).filter((name) =>
    (neverDisclosable as readonly string[]).includes(name),
  );
  if (reserved.length)
    throw new IssuanceError(`registered claims cannot be given as claims: ${reserved.join(', ')}`);
  const { kty, crv, x, y } = input.holderJwk;
  if (kty !== 'EC' || crv !== 'P-256' || !x || !y)
    throw new IssuanceError('the holder key must be a P-256 public JWK');

  const sdjwt = new SDJwtVcInstance({
    signer: es256(input.key.privateKey),
    signAlg: 'ES256',
    hasher: (data, alg) => {
      if (alg !== 'sha-256') throw new IssuanceError(`unsupported hash ${alg}`);
      return createHash('sha256')
        .update(typeof data === 'string' ? data : new Uint8Array(data))
        .digest();
    },
    hashAlg: 'sha-256',
    saltGenerator: () => randomBytes(16).toString('base64url'),
  });
  const payload: SdJwtVcPayload = {
    ...input.claims,
    iss: input.issuer.identifier,
    vct: input.vct,
    iat: seconds(input.issuedAt),
    exp: seconds(input.expiresAt),
    cnf: { jwk: { kty, crv, x, y } },
    status: { status_list: { idx: input.status.idx, uri: input.status.uri } },
  };
  return sdjwt.issue(
    payload,
    // The library types frames from a literal payload; ours is built from paths at run time.
    disclosureFrame(
      input.claims,
      input.disclosable ?? presentPaths(input.claims, disclosablePaths(input.type)),
    ) as Parameters<typeof sdjwt.issue>[1],
    { header: { kid: input.key.kid } },
  );
}

type Frame = { _sd?: string[]; [name: string]: Frame | string[] | undefined };

/** `['a', 'b', 'b.c']` → `{ _sd: ['a', 'b'], b: { _sd: ['c'] } }`, checked against the claims. */
function disclosureFrame(claims: Record<string, unknown>, paths: readonly string[]): Frame {
  const frame: Frame = {};
  for (const path of paths) {
    const names = path.split('.');
    let node = frame;
    let value: unknown = claims;
    for (const [i, name] of names.entries()) {
      if (typeof value !== 'object' || value === null || !(name in value)) {
        throw new IssuanceError(`disclosable path ${path} is not a claim`);
      }
      value = (value as Record<string, unknown>)[name];
      if (i === names.length - 1) {
        node._sd = [...(node._sd ?? []), name];
      } else {
        node[name] ??= {};
        node = node[name] as Frame;
      }
    }
  }
  return frame;
}

function presentPaths(claims: Record<string, unknown>, paths: readonly string[]): string[] {
  return paths.filter((path) => {
    let value: unknown = claims;
    for (const name of path.split('.')) {
      if (typeof value !== 'object' || value === null || !(name in value)) return false;
      value = (value as Record<string, unknown>)[name];
    }
    return true;
  });
}

/** ES256 as JWS wants it: the raw r ‖ s signature, base64url. */
function es256(privateKey: KeyObject) {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new IssuanceError('issuer keys are P-256');
  }
  return (data: string) =>
    sign('sha256', Buffer.from(data), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/** A list of `size` statuses of `bits` bits each, all valid (0). */
export function createStatusList(size: number, bits: BitsPerStatus = 1): StatusList {
  return new StatusList(new Array<number>(size).fill(0), bits);
}

/** Sets the credential at `idx` to INVALID (1); publish a newly signed token afterwards. */
export function revoke(list: StatusList, idx: number): void {
  list.setStatus(idx, 1);
}

export type SignStatusListInput = {
  key: SigningKey;
  /** Where the token is published: the `uri` credentials point to, and the token's `sub`. */
  uri: string;
  /** The token's `iss`. Verifiers trust it by its signature: a key the trust list gives the credential's issuer. */
  issuer: string;
  /** How long a verifier may cache the token before fetching it again. */
  ttlSeconds: number;
  /** After this a cached token is refused (`status-unavailable`); a day unless given. */
  expiresInSeconds?: number;
  now: Date;
} & (
  | { list: StatusList }
  /** The list rebuilt from the revoked indexes, 1 bit per status. */
  | { revoked: readonly number[]; size: number }
);

/** The Token Status List token (`typ: statuslist+jwt`), signed by one of the issuer's keys. */
export async function signStatusList(input: SignStatusListInput): Promise<string> {
  const iat = seconds(input.now);
  let list: StatusList;
  if ('list' in input) list = input.list;
  else {
    list = createStatusList(input.size);
    for (const idx of input.revoked) revoke(list, idx);
  }
  const { header, payload } = createHeaderAndPayload(
    list,
    {
      iss: input.issuer,
      sub: input.uri,
      iat,
      exp: iat + (input.expiresInSeconds ?? 86_400),
      ttl: input.ttlSeconds,
    },
    { alg: 'ES256', typ: 'statuslist+jwt', kid: input.key.kid },
  );
  return new SignJWT(payload).setProtectedHeader(header).sign(input.key.privateKey);
}

/** The trust list (`typ: jokko-trust-list+jwt`), signed with a trust anchor key verifiers pin. */
export async function signTrustList(input: { key: SigningKey; trustList: TrustList }): Promise<string> {
  return new SignJWT({ ...input.trustList })
    .setProtectedHeader({ alg: 'ES256', typ: trustListType, kid: input.key.kid })
    .sign(input.key.privateKey);
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
