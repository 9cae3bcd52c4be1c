import { decodeSdJwt, getClaims } from '@sd-jwt/decode';
import {
  type DocumentType,
  documentTypeOf,
  neverDisclosable,
  presentCredential,
  verifyCredential,
  verifyTrustList,
} from '../../../../src/shared/documents/index.ts';
import { sha256 } from '../../../../src/shared/documents/webcrypto.ts';

/** What a wallet reads in its own credential to show it: every claim (it holds every disclosure). */
export interface DecodedCredential {
  issuer: string;
  documentType: DocumentType | undefined;
  issuedAt: Date;
  expiresAt: Date;
  /** The public key the credential is bound to. */
  holderJwk: JsonWebKey;
  claims: Record<string, unknown>;
}

/** Decodes an SD-JWT VC with its disclosures (no signature check: `verifyCredential` does that). */
export async function decodeCredential(credential: string): Promise<DecodedCredential> {
  const { jwt, disclosures } = await decodeSdJwt(credential, sha256);
  const payload = jwt.payload as Record<string, unknown>;
  const all = await getClaims<Record<string, unknown>>(payload, disclosures, sha256);
  const registered = new Set<string>([...neverDisclosable, '_sd_alg', 'vct#integrity']);
  const claims = Object.fromEntries(Object.entries(all).filter(([name]) => !registered.has(name)));
  return {
    issuer: String(payload.iss),
    documentType: documentTypeOf(String(payload.vct)),
    issuedAt: new Date(Number(payload.iat) * 1000),
    expiresAt: new Date(Number(payload.exp) * 1000),
    holderJwk: (payload.cnf as { jwk: JsonWebKey }).jwk,
    claims,
  };
}

/** A claim's value by path (`address.locality`), or undefined. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const name of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/** The holder's name as the card shows it (a vehicle's owner for a registration certificate). */
export function holderName(claims: Record<string, unknown>): string {
  const given = claims.given_name ?? claims.owner_given_name;
  const family = claims.family_name ?? claims.owner_family_name;
  return [given, family].filter((v) => typeof v === 'string' && v).join(' ');
}

/** Fetches a public resource of the platform as text (the trust list, a status list). */
async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.text();
}

export class CredentialRefused extends Error {
  readonly reason: string;
  constructor(reason: string, detail: string) {
    super(detail);
    this.name = 'CredentialRefused';
    this.reason = reason;
  }
}

/**
 * Checks a credential as it arrives, as any verifier would (trust list signed by the platform's
 * anchor, issuer signature, disclosures, dates, status), and that it is bound to this wallet's key.
 * Returns the issuer's name from the trust list.
 */
export async function checkOnReceipt(
  credential: string,
  expected: { type: DocumentType; holderJwk: JsonWebKey },
): Promise<{ issuerName: string; decoded: DecodedCredential }> {
  const anchor = JSON.parse(await fetchText('/v1/documents/trust-anchor')) as { keys: JsonWebKey[] };
  const trustList = await verifyTrustList(
    await fetchText('/v1/documents/trust-list'),
    anchor.keys,
    new Date(),
  );
  const checked = await verifyCredential(credential, { trustList, statusList: fetchText, now: new Date() });
  if (!checked.valid) throw new CredentialRefused(checked.reason, checked.detail);
  const decoded = await decodeCredential(credential);
  if (decoded.documentType !== expected.type)
    throw new CredentialRefused('malformed', `not a ${expected.type}`);
  if (decoded.holderJwk.x !== expected.holderJwk.x || decoded.holderJwk.y !== expected.holderJwk.y)
    throw new CredentialRefused('holder-binding', 'bound to another key');
  return { issuerName: checked.issuer.name, decoded };
}

/** How long the app shows a QR code; verifiers accept presentations a little older (5 minutes). */
export const presentationSeconds = 180;

/** Who a presentation is for: the platform's verifier page, which the QR code opens. */
export const verifierAudience = (origin: string) => `${origin}/verify`;

/** A QR code holds 2,953 bytes at error correction L (version 40); keep a margin. */
export const maxQrBytes = 2900;

/** The presentation of the chosen claims, signed now with the holder key, as the verifier's URL. */
export async function presentationLink(input: {
  credential: string;
  holderKey: CryptoKey;
  disclose: readonly string[];
  origin: string;
}): Promise<{ presentation: string; url: string; expiresAt: Date }> {
  const now = new Date();
  const nonce = globalThis.crypto.randomUUID();
  const presentation = await presentCredential({
    credential: input.credential,
    disclose: input.disclose,
    holderKey: input.holderKey,
    audience: verifierAudience(input.origin),
    nonce,
    now,
  });
  return {
    presentation,
    url: `${verifierAudience(input.origin)}#${presentation}`,
    expiresAt: new Date(now.getTime() + presentationSeconds * 1000),
  };
}

/**
 * What a type shows by default, and the other usual choices: the least that answers the usual
 * question (a bar asks the age, a road check the licence), never the whole document.
 */
export const disclosurePresets: Readonly<
  Record<DocumentType, ReadonlyArray<{ key: string; paths: string[] }>>
> = {
  'national-id': [
    { key: 'adult', paths: ['age_equal_or_over.18'] },
    { key: 'name', paths: ['given_name', 'family_name'] },
    { key: 'identity', paths: ['given_name', 'family_name', 'birthdate', 'nin'] },
  ],
  'driving-licence': [
    { key: 'licence', paths: ['licence_number', 'categories', 'expiry_date'] },
    {
      key: 'licenceHolder',
      paths: ['licence_number', 'categories', 'expiry_date', 'given_name', 'family_name'],
    },
  ],
  'vehicle-registration': [
    { key: 'vehicle', paths: ['plate', 'make', 'model', 'colour'] },
    { key: 'vehicleOwner', paths: ['plate', 'owner_given_name', 'owner_family_name'] },
  ],
  diploma: [
    { key: 'diploma', paths: ['given_name', 'family_name', 'diploma_type', 'field', 'institution', 'year'] },
  ],
  'residence-certificate': [
    { key: 'residence', paths: ['given_name', 'family_name', 'address.region', 'address.locality'] },
    {
      key: 'address',
      paths: [
        'given_name',
        'family_name',
        'address.region',
        'address.department',
        'address.locality',
        'address.line',
      ],
    },
  ],
  'birth-certificate-extract': [
    { key: 'name', paths: ['given_name', 'family_name', 'birthdate', 'birth_place'] },
  ],
  'criminal-record-extract': [
    { key: 'record', paths: ['given_name', 'family_name', 'birthdate', 'convictions'] },
  ],
};
