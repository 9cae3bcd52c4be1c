import type { Database } from '../../platform/db/database.ts';

export interface QuotaTracker {
  /** Calls counted today for a right and client. */
  used(rightId: string, client: string, day: string): number;
  /** Counts a call this node admitted. */
  admit(rightId: string, client: string, day: string): void;
  /** The admitted call's exchange is logged: forwarded (its usage is in the database now) or not (it does not count). */
  settle(rightId: string, client: string, day: string, forwarded: boolean): void;
  close(): void;
}

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * Daily quotas shared by every node: the message log adds each forwarded call to
 * `bridge_quota_usage` in its batch, and every node reloads today's totals every second. A node
 * also counts the calls it admitted itself today, and takes the larger of the two figures: exact
 * on one node, never counting a call twice; with several nodes, a quota can be overrun by about
 * a second's calls of the other nodes.
 */
export async function createQuotaTracker(
  database: Database,
  clock: () => Date,
  options: { pollMs?: number; onError?: (err: unknown) => void } = {},
): Promise<QuotaTracker> {
  let shared = new Map<string, number>();
  const own = new Map<string, number>();
  const key = (rightId: string, client: string, day: string) => `${rightId}\u0000${client}\u0000${day}`;
  const load = async () => {
    const day = utcDay(clock());
    const rows = await database.query<{ right_id: string; client: string; calls: string | number }>(
      'SELECT right_id, client, calls FROM bridge_quota_usage WHERE day = $1',
      [day],
    );
    shared = new Map(rows.map((r) => [key(r.right_id, r.client, day), Number(r.calls)]));
    for (const k of own.keys()) if (!k.endsWith(day)) own.delete(k);
  };
  await load();
  const timer = setInterval(() => {
    load().catch((err: unknown) => options.onError?.(err));
  }, options.pollMs ?? 1000);
  timer.unref();
  return {
    used: (rightId, client, day) =>
      Math.max(shared.get(key(rightId, client, day)) ?? 0, own.get(key(rightId, client, day)) ?? 0),
    admit(rightId, client, day) {
      const k = key(rightId, client, day);
      own.set(k, (own.get(k) ?? 0) + 1);
    },
    settle(rightId, client, day, forwarded) {
      // A call refused after admission (provider down, consent refused) does not count.
      if (forwarded) return;
      const k = key(rightId, client, day);
      own.set(k, Math.max(0, (own.get(k) ?? 0) - 1));
    },
    close: () => clearInterval(timer),
  };
}
