import { createHash } from 'node:crypto';
import { isPowerOfTwo } from '../../../shared/audit/merkle.ts';
import type { SqlSession } from '../../platform/db/database.ts';

/**
 * The audit log as a Merkle tree (RFC 9162 §2.1). Every complete subtree's hash is stored once, as
 * (level, idx) covering leaves [idx·2^level, (idx+1)·2^level): about two rows per entry, written
 * in the appending transaction. Any proof or root then needs O(log n) stored nodes, fetched in one
 * query, whatever the log's size.
 */

export function nodeHashOf(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

export const emptyRoot = createHash('sha256').digest();

export interface TreeNode {
  level: number;
  idx: number;
  hash: Buffer;
}

type NodeLookup = (level: number, idx: number) => Buffer;

/** The largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of leaves [a, b): a stored node when the range is a complete subtree, else split as RFC 9162. */
function rangeHash(a: number, b: number, node: NodeLookup): Buffer {
  const size = b - a;
  if (isPowerOfTwo(size)) {
    if (a % size !== 0) throw new Error(`range [${a}, ${b}) is not an aligned subtree`);
    return node(Math.log2(size), a / size);
  }
  const k = splitPoint(size);
  return nodeHashOf(rangeHash(a, a + k, node), rangeHash(a + k, b, node));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[a:b]). */
function inclusionPath(m: number, a: number, b: number, node: NodeLookup): Buffer[] {
  if (b - a === 1) return [];
  const k = splitPoint(b - a);
  return m < a + k
    ? [...inclusionPath(m, a, a + k, node), rangeHash(a + k, b, node)]
    : [...inclusionPath(m, a + k, b, node), rangeHash(a, a + k, node)];
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[a:b], b) with m the old size as an absolute leaf count. */
function consistencyPath(m: number, a: number, b: number, original: boolean, node: NodeLookup): Buffer[] {
  if (m === b) return original ? [] : [rangeHash(a, b, node)];
  const k = splitPoint(b - a);
  return m <= a + k
    ? [...consistencyPath(m, a, a + k, original, node), rangeHash(a + k, b, node)]
    : [...consistencyPath(m, a + k, b, false, node), rangeHash(a, a + k, node)];
}

/**
 * Runs a tree computation twice: once to learn which stored nodes it reads, then with those nodes
 * fetched in a single query.
 */
async function withNodes<T>(session: SqlSession, compute: (node: NodeLookup) => T): Promise<T> {
  const wanted = new Map<string, [number, number]>();
  const placeholder = Buffer.alloc(32);
  compute((level, idx) => {
    wanted.set(`${level}:${idx}`, [level, idx]);
    return placeholder;
  });
  const found = await fetchNodes(session, [...wanted.values()]);
  return compute((level, idx) => {
    const hash = found.get(`${level}:${idx}`);
    if (!hash) throw new TreeIncompleteError(level, idx);
    return hash;
  });
}

export class TreeIncompleteError extends Error {
  constructor(level: number, idx: number) {
    super(`the audit tree has no node (${level}, ${idx}): it lags behind the log or was altered`);
    this.name = 'TreeIncompleteError';
  }
}

export async function fetchNodes(
  session: SqlSession,
  keys: Array<[number, number]>,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (keys.length === 0) return found;
  // Integers we computed, never input: safe to inline, and one round trip whatever the engine.
  const list = keys.map(([l, i]) => `(${Math.trunc(l)}, ${Math.trunc(i)})`).join(', ');
  const rows = await session.query<{ level: number; idx: string | number; hash: Uint8Array }>(
    `SELECT level, idx, hash FROM audit_tree_nodes WHERE (level, idx) IN (${list})`,
  );
  for (const r of rows) found.set(`${r.level}:${Number(r.idx)}`, Buffer.from(r.hash));
  return found;
}

export async function rootAt(session: SqlSession, size: number): Promise<Buffer> {
  if (size === 0) return emptyRoot;
  return withNodes(session, (node) => rangeHash(0, size, node));
}

export async function inclusionProofOf(
  session: SqlSession,
  leafIndex: number,
  size: number,
): Promise<Buffer[]> {
  return withNodes(session, (node) => inclusionPath(leafIndex, 0, size, node));
}

export async function consistencyProofOf(session: SqlSession, from: number, to: number): Promise<Buffer[]> {
  return withNodes(session, (node) => consistencyPath(from, 0, to, true, node));
}

/** Leaves in the tree: one past the highest stored leaf. */
export async function treeSize(session: SqlSession): Promise<number> {
  const [row] = await session.query<{ idx: string | number }>(
    'SELECT idx FROM audit_tree_nodes WHERE level = 0 ORDER BY idx DESC LIMIT 1',
  );
  return row ? Number(row.idx) + 1 : 0;
}

/**
 * The nodes new leaves complete, given the tree's current size. `leftSiblings` holds, per level,
 * the complete subtree waiting for its right sibling (one per set bit of the size).
 */
export function nodesForAppend(
  size: number,
  leftSiblings: Map<number, Buffer>,
  leaves: Buffer[],
): TreeNode[] {
  const nodes: TreeNode[] = [];
  for (const [n, leaf] of leaves.entries()) {
    let idx = size + n;
    let level = 0;
    let hash = leaf;
    nodes.push({ level, idx, hash });
    while (idx % 2 === 1) {
      const left = leftSiblings.get(level);
      if (!left) throw new TreeIncompleteError(level, idx - 1);
      leftSiblings.delete(level);
      hash = nodeHashOf(left, hash);
      level++;
      idx = Math.floor(idx / 2);
      nodes.push({ level, idx, hash });
    }
    leftSiblings.set(level, hash);
  }
  return nodes;
}

/** The root of a tree from its right-edge complete subtrees (as `nodesForAppend` keeps them), smallest first. */
export function rootOfSiblings(siblings: Map<number, Buffer>): Buffer | null {
  let root: Buffer | null = null;
  for (const level of [...siblings.keys()].sort((a, b) => a - b)) {
    const node = siblings.get(level)!;
    root = root ? nodeHashOf(node, root) : node;
  }
  return root;
}

/** The complete subtrees along the right edge of a tree of `size` leaves, keyed by level. */
export async function leftSiblingsAt(session: SqlSession, size: number): Promise<Map<number, Buffer>> {
  const keys: Array<[number, number]> = [];
  for (let level = 0, rest = size; rest > 0; level++, rest = Math.floor(rest / 2))
    if (rest % 2 === 1) keys.push([level, rest - 1]);
  const found = await fetchNodes(session, keys);
  const siblings = new Map<number, Buffer>();
  for (const [level, idx] of keys) {
    const hash = found.get(`${level}:${idx}`);
    if (!hash) throw new TreeIncompleteError(level, idx);
    siblings.set(level, hash);
  }
  return siblings;
}

export async function insertNodes(session: SqlSession, nodes: TreeNode[]): Promise<void> {
  for (let at = 0; at < nodes.length; at += 1000) {
    const chunk = nodes.slice(at, at + 1000);
    const params: unknown[] = [];
    const rows = chunk.map((n) => {
      params.push(n.level, n.idx, n.hash);
      return `($${params.length - 2}, $${params.length - 1}, $${params.length})`;
    });
    await session.query(`INSERT INTO audit_tree_nodes (level, idx, hash) VALUES ${rows.join(', ')}`, params);
  }
}
