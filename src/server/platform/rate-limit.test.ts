import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './db/database.ts';
import { createTestDatabase, type TestDatabase, testEngines } from './db/testing.ts';
import { createRateLimiter, type RateLimitRule } from './rate-limit.ts';

const rule: RateLimitRule = { name: 'test-login', limit: 5, windowSeconds: 60 };
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 24, 12, 0, 0) + seconds * 1000);

describe.each(testEngines())('shared rate limits on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => db.dispose());

  it('allows exactly the limit, then refuses with a retry delay', async () => {
    const limiter = createRateLimiter(db.database);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await limiter.hit(rule, '198.51.100.7', at(10)));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false]);
    expect(results[5]!.retryAfterSeconds).toBeGreaterThan(0);
    expect((await limiter.peek(rule, '198.51.100.7', at(10))).allowed).toBe(false);
    // Other keys and other rules are counted apart.
    expect((await limiter.peek(rule, '198.51.100.8', at(10))).allowed).toBe(true);
    expect((await limiter.peek({ ...rule, name: 'other' }, '198.51.100.7', at(10))).allowed).toBe(true);
  });

  it('lets attempts through again once the sliding window has moved on', async () => {
    const limiter = createRateLimiter(db.database);
    for (let i = 0; i < 5; i++) await limiter.hit(rule, 'slide', at(0));
    expect((await limiter.peek(rule, 'slide', at(30))).allowed).toBe(false);
    // Half-way through the next window, half of the previous window still counts (2.5 < 5).
    expect((await limiter.peek(rule, 'slide', at(90))).allowed).toBe(true);
    expect((await limiter.peek(rule, 'slide', at(200))).remaining).toBe(5);
  });

  it('forgets a key on reset, stores only hashes, and purges old windows', async () => {
    const limiter = createRateLimiter(db.database);
    for (let i = 0; i < 5; i++) await limiter.hit(rule, 'reset-me', at(0));
    await limiter.reset(rule, 'reset-me');
    expect((await limiter.peek(rule, 'reset-me', at(1))).allowed).toBe(true);
    const rows = await db.database.query<{ key_hash: Uint8Array }>(
      'SELECT key_hash FROM rate_limit_counters',
    );
    expect(rows.every((r) => !Buffer.from(r.key_hash).toString('latin1').includes('198.51'))).toBe(true);
    expect(await limiter.purge(at(10 * 24 * 3600))).toBeGreaterThan(0);
    expect(await db.database.query('SELECT 1 FROM rate_limit_counters')).toHaveLength(0);
  });
});

describe.runIf(process.env.DATABASE_URL)('shared rate limits across nodes', () => {
  it('counts hits from two nodes on one PostgreSQL database exactly', async () => {
    const db = await createTestDatabase('postgres');
    const second: Database = await openDatabase({ url: db.url!, poolMax: 5 });
    try {
      const nodes = [createRateLimiter(db.database), createRateLimiter(second)];
      const hits = await Promise.all(
        Array.from({ length: 40 }, (_, i) => nodes[i % 2]!.hit({ ...rule, limit: 10 }, 'shared', at(5))),
      );
      expect(hits.filter((h) => h.allowed)).toHaveLength(10);
      expect(Math.max(...hits.map((h) => h.hits))).toBe(40);
    } finally {
      await second.close();
      await db.dispose();
    }
  });
});
