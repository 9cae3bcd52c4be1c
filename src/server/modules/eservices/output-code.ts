import { createHash, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { Output } from '../../../shared/procedures/definition.ts';

/**
 * The verification code printed as a QR on an approved application's output: a compact JWS
 * (EdDSA, Ed25519) over who issued what to whom, and the SHA-256 of the statement's text, so a
 * verifier can compare the paper with what the platform signed without asking the platform.
 */
export const OutputClaims = Type.Object({
  /** The platform's public URL. */
  iss: Type.String({ minLength: 1 }),
  /** The application's reference, e.g. SN-2026-000123. */
  sub: Type.String({ minLength: 1 }),
  /** Seconds since the epoch. */
  iat: Type.Integer(),
  /** Seconds since the epoch; absent when the output does not expire. */
  exp: Type.Optional(Type.Integer()),
  jokko: Type.Object({
    procedure: Type.String({ minLength: 1 }),
    version: Type.Integer({ minimum: 1 }),
    kind: Output.properties.kind,
    /** The administration that decided (organisations registry identifier). */
    owner: Type.String({ minLength: 1 }),
    holder: Type.Object({ name: Type.String(), nin: Type.String() }),
    decision: Type.Literal('approved'),
    /** Hex SHA-256 of the statement printed on the PDF, see `statementSha256`. */
    statementSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    language: Type.String({ minLength: 2 }),
  }),
});
export type OutputClaims = Static<typeof OutputClaims>;

export type OutputCodeCheck =
  | { valid: true; claims: OutputClaims }
  | { valid: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'wrong-issuer' };

/** Keeps a code from being mistaken for another JWT signed with the same key, and vice versa. */
const codeType = 'jokko-output+jwt';
const verifyPath = '/verify/output';

/**
 * SHA-256 (hex) of a statement's UTF-8 text in Unicode NFC, the form the PDF prints: the same
 * words typed with combining accents hash the same.
 */
export function statementSha256(statement: string): string {
  return createHash('sha256').update(statement.normalize('NFC'), 'utf8').digest('hex');
}

export function signOutputCode(
  key: { kid: string; privateKey: KeyObject },
  claims: OutputClaims,
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: codeType })
    .sign(key.privateKey);
}

export async function verifyOutputCode(
  code: string,
  jwks: Array<Record<string, unknown>>,
  options: { now?: Date; issuer: string },
): Promise<OutputCodeCheck> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(code, createLocalJWKSet({ keys: jwks } as JSONWebKeySet), {
      algorithms: ['EdDSA'],
      typ: codeType,
      issuer: options.issuer,
      requiredClaims: ['iss', 'sub', 'iat'],
      currentDate: options.now ?? new Date(),
    }));
  } catch (error) {
    return { valid: false, reason: failureReason(error) };
  }
  if (!Value.Check(OutputClaims, payload)) return { valid: false, reason: 'malformed' };
  return { valid: true, claims: payload };
}

function failureReason(error: unknown): Exclude<OutputCodeCheck, { valid: true }>['reason'] {
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown-key';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (
    error instanceof errors.JWTClaimValidationFailed &&
    error.claim === 'iss' &&
    error.reason === 'check_failed'
  ) {
    return 'wrong-issuer';
  }
  return 'malformed';
}

/** What the QR holds: the code travels in the fragment, which a browser never sends to a server. */
export function verificationUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${verifyPath}#${code}`;
}

/** The code in a scanned verification URL, or null when the text is not one. */
export function codeFromVerificationUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (!url.pathname.replace(/\/+$/, '').endsWith(verifyPath)) return null;
  const code = url.hash.slice(1);
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(code) ? code : null;
}
