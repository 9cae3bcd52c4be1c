import type { Database } from '../../platform/db/database.ts';

export interface QuotaTracker {
  /** Calls counted today for a right and client: the shared total plus this node's calls since. */
  used(rightId: string, client: string, day: string): number;
  /** Counts a call this node admitted, until the next shared total includes it. */
  admit(rightId: string, client: string, day: string): void;
  close(): void;
}

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * Daily quotas shared by every node: the message log adds each forwarded call to
 * `bridge_quota_usage` in its batch; every node reloads today's totals every second and adds the
 * calls it admitted since. A quota can therefore be overrun by at most about a second's calls.
 */
export async function createQuotaTracker(
  database: Database,
  clock: () => Date,
  options: { pollMs?: number; onError?: (err: unknown) => void } = {},
): Promise<QuotaTracker> {
  let shared = new Map<string, number>();
  let local = new Map<string, number>();
  const key = (rightId: string, client: string, day: string) => `${rightId}\u0000${client}\u0000${day}`;
  const load = async () => {
    const day = utcDay(clock());
    const rows = await database.query<{ right_id: string; client: string; calls: string | number }>(
      'SELECT right_id, client, calls FROM bridge_quota_usage WHERE day = $1',
      [day],
    );
    shared = new Map(rows.map((r) => [key(r.right_id, r.client, day), Number(r.calls)]));
    local = new Map();
  };
  await load();
  const timer = setInterval(() => {
    load().catch((err: unknown) => options.onError?.(err));
  }, options.pollMs ?? 1000);
  timer.unref();
  return {
    used: (rightId, client, day) =>
      (shared.get(key(rightId, client, day)) ?? 0) + (local.get(key(rightId, client, day)) ?? 0),
    admit(rightId, client, day) {
      const k = key(rightId, client, day);
      local.set(k, (local.get(k) ?? 0) + 1);
    },
    close: () => clearInterval(timer),
  };
}
