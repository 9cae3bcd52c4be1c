import { createHash } from 'node:crypto';
import type { Database } from './db/database.ts';

export interface RateLimitRule {
  name: string;
  limit: number;
  windowSeconds: number;
}
export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  remaining: number;
  retryAfterSeconds: number;
}
export interface RateLimiter {
  hit(rule: RateLimitRule, key: string, now?: Date): Promise<RateLimitResult>;
  peek(rule: RateLimitRule, key: string, now?: Date): Promise<RateLimitResult>;
  reset(rule: RateLimitRule, key: string): Promise<void>;
  purge(now?: Date): Promise<number>;
}

/**
 * Counters in the database, so every node sees the same counts. Sliding-window estimate: the
 * current fixed window's hits plus the previous window's, weighted by how much of it still
 * overlaps the sliding window. Keys (addresses, NINs) are personal data: only hashes are stored.
 */
export function createRateLimiter(database: Database): RateLimiter {
  const keyHash = (rule: RateLimitRule, key: string) =>
    createHash('sha256').update(`${rule.name}\u0000${key}`).digest();
  const windows = (rule: RateLimitRule, now: Date) => {
    const size = rule.windowSeconds * 1000;
    const start = Math.floor(now.getTime() / size) * size;
    return {
      current: new Date(start),
      previous: new Date(start - size),
      elapsed: (now.getTime() - start) / size,
    };
  };
  const result = (
    rule: RateLimitRule,
    current: number,
    previous: number,
    elapsed: number,
  ): RateLimitResult => {
    const estimate = current + previous * (1 - elapsed);
    const allowed = estimate <= rule.limit;
    let retry = 0;
    if (!allowed) {
      // When the previous window's share has faded enough, or at the latest when this window ends.
      const over = estimate - rule.limit;
      const fade = previous > 0 ? (over / previous) * rule.windowSeconds : Number.POSITIVE_INFINITY;
      retry = Math.max(
        1,
        Math.ceil(
          Math.min(
            fade,
            (1 - elapsed) * rule.windowSeconds + (current > rule.limit ? rule.windowSeconds : 0),
          ),
        ),
      );
    }
    return {
      allowed,
      hits: Math.ceil(estimate),
      remaining: Math.max(0, Math.floor(rule.limit - estimate)),
      retryAfterSeconds: retry,
    };
  };
  const counts = async (rule: RateLimitRule, key: string, now: Date) => {
    const w = windows(rule, now);
    const rows = await database.query<{ window_start: Date; hits: number }>(
      'SELECT window_start, hits FROM rate_limit_counters WHERE bucket = $1 AND key_hash = $2 AND window_start >= $3',
      [rule.name, keyHash(rule, key), w.previous],
    );
    const at = (d: Date) => rows.find((r) => new Date(r.window_start).getTime() === d.getTime())?.hits ?? 0;
    return { w, current: at(w.current), previous: at(w.previous) };
  };
  return {
    async hit(rule, key, now = new Date()) {
      const w = windows(rule, now);
      const [row] = await database.query<{ hits: number }>(
        `INSERT INTO rate_limit_counters (bucket, key_hash, window_start, hits) VALUES ($1, $2, $3, 1)
         ON CONFLICT (bucket, key_hash, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
         RETURNING hits`,
        [rule.name, keyHash(rule, key), w.current],
      );
      const { previous } = await counts(rule, key, now);
      return result(rule, row!.hits, previous, w.elapsed);
    },
    async peek(rule, key, now = new Date()) {
      const { w, current, previous } = await counts(rule, key, now);
      // Peeking asks "may one more attempt happen": allowed while below the limit.
      const r = result(rule, current + 1, previous, w.elapsed);
      return { ...r, hits: Math.max(0, r.hits - 1), remaining: r.allowed ? r.remaining + 1 : 0 };
    },
    async reset(rule, key) {
      await database.query('DELETE FROM rate_limit_counters WHERE bucket = $1 AND key_hash = $2', [
        rule.name,
        keyHash(rule, key),
      ]);
    },
    async purge(now = new Date()) {
      const rows = await database.query(
        "DELETE FROM rate_limit_counters WHERE window_start < $1::timestamptz - interval '2 days' RETURNING bucket",
        [now],
      );
      return rows.length;
    },
  };
}
