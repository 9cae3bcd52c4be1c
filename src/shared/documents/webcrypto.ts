import { base64url } from 'jose';

/**
 * The primitives the @sd-jwt libraries take as functions, on WebCrypto so they run in browsers and
 * Node alike. Only SHA-256 and ES256: one hash and one signature algorithm across documents.
 */

const subtle = () => globalThis.crypto.subtle;
const utf8 = new TextEncoder();

export const sha256 = async (data: string | ArrayBuffer, alg: string): Promise<Uint8Array> => {
  if (alg.toLowerCase() !== 'sha-256') throw new Error(`unsupported _sd_alg ${alg}`);
  const bytes = typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data);
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
};

/** 128-bit salts, as RFC 9901 recommends. */
export const randomSalt = (length: number): string =>
  base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(Math.max(length, 16))));

/** ES256 with a P-256 CryptoKey, which may be non-extractable (the wallet's holder key). */
export function es256Signer(privateKey: CryptoKey): (data: string) => Promise<string> {
  return async (data) => {
    const signature = await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, utf8.encode(data));
    return base64url.encode(new Uint8Array(signature));
  };
}
