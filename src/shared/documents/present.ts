import { SDJwtInstance } from '@sd-jwt/core';
import { es256Signer, sha256 } from './webcrypto.ts';

/**
 * The wallet's side: a presentation shows the chosen claims of a credential, bound to the holder's
 * key by a KB-JWT that names the verifier (`aud`), its challenge (`nonce`) and the moment (`iat`).
 */

export interface HolderKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as the issuer puts it in `cnf.jwk`. */
  publicJwk: JsonWebKey;
}

/** A P-256 key pair whose private half cannot be exported: it signs in the browser and stays there. */
export async function holderKeyPair(): Promise<HolderKeyPair> {
  const { privateKey, publicKey } = await globalThis.crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign', 'verify'],
  );
  const { kty, crv, x, y } = await globalThis.crypto.subtle.exportKey('jwk', publicKey);
  return { privateKey, publicKey, publicJwk: { kty, crv, x, y } };
}

export interface PresentInput {
  credential: string;
  /**
   * Claim paths to show: `family_name`, `age_equal_or_over.18` (the object comes with it, holding
   * only that entry); `age_equal_or_over` alone shows every entry.
   */
  disclose: readonly string[];
  holderKey: CryptoKey;
  audience: string;
  nonce: string;
  now: Date;
}

export class PresentationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PresentationError';
  }
}

/** SD-JWT + KB-JWT (`<jwt>~<disclosure>~…~<kb-jwt>`) showing exactly the `disclose` paths. */
export async function presentCredential(input: PresentInput): Promise<string> {
  const sdjwt = new SDJwtInstance({
    hasher: sha256,
    kbSigner: es256Signer(input.holderKey),
    kbSignAlg: 'ES256',
  });
  const presentable = new Set(await sdjwt.presentableKeys(input.credential));
  const missing = input.disclose.filter((path) => !presentable.has(path));
  if (missing.length)
    throw new PresentationError(`not disclosable in this credential: ${missing.join(', ')}`);
  // A parent named without any of its sub-claims is shown whole.
  const paths = input.disclose.flatMap((path) =>
    input.disclose.some((p) => p.startsWith(`${path}.`))
      ? [path]
      : [path, ...[...presentable].filter((p) => p.startsWith(`${path}.`))],
  );
  return sdjwt.present(input.credential, presentationFrame(paths), {
    kb: {
      payload: { iat: Math.floor(input.now.getTime() / 1000), aud: input.audience, nonce: input.nonce },
    },
  });
}

type Frame = { [key: string]: true | Frame };

/** `['a', 'b.c']` → `{ a: true, b: { c: true } }`, the library's presentation frame. */
function presentationFrame(paths: readonly string[]): Frame {
  const frame: Frame = {};
  for (const path of [...paths].sort((a, b) => b.split('.').length - a.split('.').length)) {
    let node = frame;
    const names = path.split('.');
    for (const [i, name] of names.entries()) {
      if (i === names.length - 1) {
        if (node[name] === undefined) node[name] = true;
      } else {
        if (typeof node[name] !== 'object') node[name] = {};
        node = node[name] as Frame;
      }
    }
  }
  return frame;
}
