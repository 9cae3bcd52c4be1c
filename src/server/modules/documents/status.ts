import { randomInt } from 'node:crypto';
import type { SqlSession } from '../../platform/db/database.ts';

/**
 * Token Status List slots: each issuer's lists hold `listSize` bits; a credential gets a random
 * free index in the newest list that has room (random, so an index says nothing of issuance
 * order), and its bit is set when it is revoked. The bits are not stored apart: a list is built
 * from the revoked credentials at publication.
 */
export const listSize = 16_384;

export async function allocateStatusSlot(
  tx: SqlSession,
  issuer: string,
): Promise<{ list: number; idx: number }> {
  // One allocator per issuer at a time; the unique (issuer, list, idx) constraint is the backstop.
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`documents-status:${issuer}`]);
  const [newest] = await tx.query<{ list: number | null; used: string | number }>(
    `SELECT max(status_list) AS list, count(*) FILTER (WHERE status_list = (SELECT max(status_list) FROM documents_credentials WHERE issuer = $1)) AS used
       FROM documents_credentials WHERE issuer = $1`,
    [issuer],
  );
  // A list is filled to three quarters at most, so a random draw finds a free slot quickly.
  const list =
    newest?.list === null || newest?.list === undefined
      ? 1
      : Number(newest.used) >= (listSize * 3) / 4
        ? newest.list + 1
        : newest.list;
  for (;;) {
    const idx = randomInt(listSize);
    const taken = await tx.query(
      'SELECT 1 FROM documents_credentials WHERE issuer = $1 AND status_list = $2 AND status_idx = $3',
      [issuer, list, idx],
    );
    if (!taken.length) return { list, idx };
  }
}

/** The revoked indexes of one list. */
export async function revokedIndexes(session: SqlSession, issuer: string, list: number): Promise<number[]> {
  const rows = await session.query<{ status_idx: number }>(
    'SELECT status_idx FROM documents_credentials WHERE issuer = $1 AND status_list = $2 AND revoked_at IS NOT NULL',
    [issuer, list],
  );
  return rows.map((r) => r.status_idx);
}
