/**
 * Client side of the transparency log (RFC 9162 §2.1): leaf and node hashes, and the verification
 * of inclusion and consistency proofs. Portable (WebCrypto), so the super-app, the witness and
 * any outside auditor run the same code; the server builds the proofs in modules/audit.
 */

export interface TreeHead {
  treeSize: number;
  /** Hex SHA-256 root of the first treeSize entries. */
  rootHash: string;
  issuedAt: string;
  kid: string;
  /** Compact JWS (EdDSA) over {treeSize, rootHash, issuedAt}: what the log signed. */
  jws: string;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  /** Hex hashes from the leaf's sibling up to the root's child. */
  path: string[];
}

export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  path: string[];
}

const encoder = new TextEncoder();

export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', buf));
}

/** MTH({d}) = SHA-256(0x00 ‖ d); the log's leaf data is the entry's canonical JSON (RFC 8785). */
export async function leafHash(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  return bytesToHex(await sha256(Uint8Array.of(0), bytes));
}

async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(1), left, right);
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);
// Sizes go past 2^31, where the bitwise operators would wrap: arithmetic only.
export const isPowerOfTwo = (n: number) => n >= 1 && Number.isInteger(Math.log2(n));

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** RFC 9162 §2.1.3.2: does `leaf` sit at `leafIndex` in the tree of `treeSize` whose root is `root`? */
export async function verifyInclusion(leaf: string, proof: InclusionProof, root: string): Promise<boolean> {
  const { leafIndex, treeSize } = proof;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return false;
  if (leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = hexToBytes(leaf);
  for (const hex of proof.path) {
    const p = hexToBytes(hex);
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!isOdd(fn))
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(r, hexToBytes(root));
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `toSize` with root `toRoot` an append-only extension of the
 * tree of `fromSize` with root `fromRoot`? A witness that answers no has seen a fork or a rewrite.
 */
export async function verifyConsistency(
  proof: ConsistencyProof,
  fromRoot: string,
  toRoot: string,
): Promise<boolean> {
  const { fromSize, toSize } = proof;
  if (!Number.isSafeInteger(fromSize) || !Number.isSafeInteger(toSize)) return false;
  if (fromSize < 1 || fromSize > toSize) return false;
  if (fromSize === toSize) return proof.path.length === 0 && fromRoot === toRoot;
  const path = proof.path.map(hexToBytes);
  // A first tree that is a complete subtree is its own first proof node.
  if (isPowerOfTwo(fromSize)) path.unshift(hexToBytes(fromRoot));
  if (path.length === 0) return false;
  let fn = fromSize - 1;
  let sn = toSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!isOdd(fn))
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, hexToBytes(fromRoot)) && equalBytes(sr, hexToBytes(toRoot));
}
