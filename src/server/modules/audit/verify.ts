import { auditEntryContent, verifyTreeHead } from '../../../shared/audit/evidence.ts';
import type { Database } from '../../platform/db/database.ts';
import { type AuditRow, rowToEntry, selectEntries } from './audit.repo.ts';
import { entryHash, genesisHash, leafHashOf } from './entry.ts';
import { fetchNodes, nodesForAppend, rootOfSiblings, type TreeNode, treeSize } from './merkle-tree.ts';
import { allTreeHeads, logKeys } from './tree-heads.ts';

export interface VerifyResult {
  ok: boolean;
  entries: number;
  headHash: string | null;
  /** Root of the Merkle tree over the entries checked (RFC 9162), hex. */
  rootHash: string | null;
  /** Signed tree heads whose signature and root were checked against the entries. */
  treeHeadsChecked: number;
  firstBroken?: { seq: number; id: string | null; reason: string };
}

const pageSize = 10_000;

/**
 * Recomputes the chain and the Merkle tree from the first entry, page by page (constant memory),
 * compares every stored tree node with the recomputed one, and checks each signed tree head's
 * signature and root when the walk reaches its size. Stops at the first disagreement.
 */
export async function verifyAuditLog(
  database: Database,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<VerifyResult> {
  const [{ n } = { n: 0 }] = await database.query<{ n: string | number }>(
    'SELECT count(*) AS n FROM audit_log',
  );
  const total = Number(n);
  const storedTreeSize = await treeSize(database);
  const heads = await allTreeHeads(database);
  const keys = await logKeys(database);
  let headIndex = 0;
  let expectedSeq = 0;
  let prev: Uint8Array = genesisHash;
  let checked = 0;
  const siblings = new Map<number, Buffer>();
  const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
  const result = (firstBroken?: VerifyResult['firstBroken']): VerifyResult => ({
    ok: !firstBroken,
    entries: checked,
    headHash: checked ? hex(prev) : null,
    rootHash: checked ? hex(rootOfSiblings(siblings)) : null,
    treeHeadsChecked: headIndex,
    ...(firstBroken ? { firstBroken } : {}),
  });

  for (;;) {
    const rows: AuditRow[] = await database.query<AuditRow>(
      `${selectEntries} WHERE seq >= $1 ORDER BY seq LIMIT ${pageSize}`,
      [expectedSeq],
    );
    if (rows.length === 0) break;
    const pageStart = checked;
    const produced: TreeNode[] = [];
    for (const row of rows) {
      const entry = rowToEntry(row);
      const broken = (reason: string) => result({ seq: entry.seq, id: entry.id, reason });
      if (entry.seq !== expectedSeq) {
        return result({
          seq: expectedSeq,
          id: null,
          reason: `entry is missing (next present is seq=${entry.seq}): deleted`,
        });
      }
      if (!Buffer.from(row.prev_hash).equals(Buffer.from(prev))) {
        return broken('its prev_hash does not match the previous entry: reordered, inserted or rewritten');
      }
      if (!entryHash(prev, auditEntryContent(entry)).equals(Buffer.from(row.hash))) {
        return broken('its content does not match its hash: edited');
      }
      produced.push(...nodesForAppend(checked, siblings, [leafHashOf(entry)]));
      prev = row.hash;
      expectedSeq++;
      checked++;
      while (headIndex < heads.length && heads[headIndex]!.treeSize === checked) {
        const head = heads[headIndex]!;
        if (!(await verifyTreeHead(head, keys)))
          return broken(`the signed tree head of size ${head.treeSize} has an invalid signature`);
        if (hex(rootOfSiblings(siblings)) !== head.rootHash)
          return broken(
            `the signed tree head of size ${head.treeSize} does not match the entries: the log was rewritten`,
          );
        headIndex++;
      }
    }
    // Stored nodes must be the ones the entries give; nodes past the stored tree are not written yet.
    const stored = produced.filter((node) => (node.idx + 1) * 2 ** node.level <= storedTreeSize);
    for (let at = 0; at < stored.length; at += 2000) {
      const chunk = stored.slice(at, at + 2000);
      const found = await fetchNodes(
        database,
        chunk.map((node) => [node.level, node.idx]),
      );
      for (const node of chunk) {
        const hash = found.get(`${node.level}:${node.idx}`);
        if (hash?.equals(node.hash)) continue;
        const firstLeaf = node.idx * 2 ** node.level;
        return result({
          seq: Math.max(firstLeaf, pageStart),
          id: null,
          reason: `tree node (${node.level}, ${node.idx}) ${hash ? 'does not match the entries' : 'is missing'}: the Merkle tree was altered`,
        });
      }
    }
    options.onProgress?.(checked, total);
  }
  const beyond = heads.find((h) => h.treeSize > checked);
  if (beyond)
    return result({
      seq: checked,
      id: null,
      reason: `a signed tree head covers ${beyond.treeSize} entries but the log has ${checked}: entries were removed from its end`,
    });
  return result();
}
