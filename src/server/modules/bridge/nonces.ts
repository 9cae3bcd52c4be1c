import { createBatcher } from '../../platform/batcher.ts';
import type { Database } from '../../platform/db/database.ts';

export interface NonceStore {
  /** True the first time a client uses a nonce inside the replay window; false for a replay. */
  claim(client: string, nonce: string, expiresAt: Date): Promise<boolean>;
  purge(now: Date): Promise<number>;
  drain(): Promise<void>;
}

/**
 * Nonces live in PostgreSQL so that a request replayed to another node is caught too. Claims are
 * batched: one INSERT ... ON CONFLICT DO NOTHING per batch, and the rows it did not return are
 * replays (a nonce repeated inside one batch is a replay as well).
 */
export function createNonceStore(database: Database): NonceStore {
  const batcher = createBatcher<{ client: string; nonce: string; expiresAt: Date }, boolean>(
    async (items) => {
      const seen = new Set<string>();
      const unique: typeof items = [];
      const firsts = items.map((i) => {
        const k = `${i.client}\u0000${i.nonce}`;
        if (seen.has(k)) return false;
        seen.add(k);
        unique.push(i);
        return true;
      });
      const params: unknown[] = [];
      const values = unique.map((i, n) => {
        params.push(i.client, i.nonce, i.expiresAt);
        return `($${n * 3 + 1}, $${n * 3 + 2}, $${n * 3 + 3})`;
      });
      const rows = await database.query<{ client: string; nonce: string }>(
        `INSERT INTO bridge_nonces (client, nonce, expires_at) VALUES ${values.join(', ')}
         ON CONFLICT DO NOTHING RETURNING client, nonce`,
        params,
      );
      const inserted = new Set(rows.map((r) => `${r.client}\u0000${r.nonce}`));
      return items.map((i, n) => firsts[n] === true && inserted.has(`${i.client}\u0000${i.nonce}`));
    },
    { maxItems: 500, maxDelayMs: 1 },
  );
  return {
    claim: (client, nonce, expiresAt) => batcher.submit({ client, nonce, expiresAt }),
    async purge(now) {
      const rows = await database.query('DELETE FROM bridge_nonces WHERE expires_at < $1 RETURNING 1', [now]);
      return rows.length;
    },
    drain: () => batcher.drain(),
  };
}
