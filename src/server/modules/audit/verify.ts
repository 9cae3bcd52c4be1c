import type { Database } from '../../platform/db/database.ts';
import { type AuditRow, rowToEntry, selectEntries } from './audit.repo.ts';
import { entryHash, genesisHash, hashedContent } from './audit-log.ts';

export interface VerifyResult {
  ok: boolean;
  entries: number;
  headHash: string | null;
  firstBroken?: { seq: number; id: string | null; reason: string };
}

const pageSize = 10_000;

/**
 * Recomputes the chain from the first entry, page by page (constant memory), and stops at the
 * first entry that does not follow from its predecessor.
 */
export async function verifyAuditLog(
  database: Database,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<VerifyResult> {
  const [{ n } = { n: 0 }] = await database.query<{ n: string | number }>(
    'SELECT count(*) AS n FROM audit_log',
  );
  const total = Number(n);
  let expectedSeq = 0;
  let prev: Uint8Array = genesisHash;
  let checked = 0;
  for (;;) {
    const rows: AuditRow[] = await database.query<AuditRow>(
      `${selectEntries} WHERE seq >= $1 ORDER BY seq LIMIT ${pageSize}`,
      [expectedSeq],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const entry = rowToEntry(row);
      const broken = (reason: string): VerifyResult => ({
        ok: false,
        entries: checked,
        headHash: Buffer.from(prev).toString('hex'),
        firstBroken: { seq: entry.seq, id: entry.id, reason },
      });
      if (entry.seq !== expectedSeq) {
        return {
          ok: false,
          entries: checked,
          headHash: Buffer.from(prev).toString('hex'),
          firstBroken: {
            seq: expectedSeq,
            id: null,
            reason: `entry is missing (next present is seq=${entry.seq}): deleted`,
          },
        };
      }
      if (!Buffer.from(row.prev_hash).equals(Buffer.from(prev))) {
        return broken('its prev_hash does not match the previous entry: reordered, inserted or rewritten');
      }
      if (!entryHash(prev, hashedContent(entry)).equals(Buffer.from(row.hash))) {
        return broken('its content does not match its hash: edited');
      }
      prev = row.hash;
      expectedSeq++;
      checked++;
    }
    options.onProgress?.(checked, total);
  }
  return { ok: true, entries: checked, headHash: checked ? Buffer.from(prev).toString('hex') : null };
}
