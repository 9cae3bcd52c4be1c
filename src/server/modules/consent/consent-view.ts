import { randomUUID } from 'node:crypto';
import { createBatcher } from '../../platform/batcher.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Frequency } from './artefact.ts';

export interface CachedConsent {
  nin: string;
  partner: string;
  items: Array<{ service: string; fields?: string[] }>;
  status: string;
  validFrom: Date;
  validUntil: Date;
  frequency: Frequency;
  /** Calls counted for `day` in the database when loaded. */
  day: string;
  callsAtLoad: number;
  loadedAt: number;
  /** Last time a call used it: entries idle for a while leave the cache. */
  usedAt: number;
}

/**
 * What the bridge needs to know about consents, held in memory so that a call costs no consent
 * query. Every `refreshMs` (250 ms) one query re-reads the status, period and today's count of all
 * the consents this node has in use; an entry not refreshed for `ttlMs` (800 ms) is read again on
 * its next call. So a pause or revocation made on any node is enforced by every node within a
 * second, the node that made the change forgets the entry at once, and the database sees four
 * queries a second per node instead of one per consent and 800 ms. A daily count is the larger of the database's count at load and this node's own count
 * for the day; increments are written in batches, so with several nodes a daily limit can be
 * overrun by about one second's calls of the other nodes. One-off consents are counted atomically instead (see enforcement.ts).
 */
export interface ConsentView {
  get(id: string, day: string): Promise<CachedConsent | undefined>;
  /** Calls today so far, as this node knows them. */
  callsToday(id: string, consent: CachedConsent): number;
  /** Counts one call now; written to the database in the next batch. */
  count(id: string, consent: CachedConsent): void;
  forget(id: string): void;
  drain(): Promise<void>;
}

export function createConsentView(
  database: Database,
  options: { ttlMs?: number; refreshMs?: number; idleMs?: number } = {},
): ConsentView {
  const ttlMs = options.ttlMs ?? 800;
  const refreshMs = options.refreshMs ?? 250;
  const idleMs = options.idleMs ?? 30_000;
  const cache = new Map<string, CachedConsent>();
  let refreshing = false;
  const refresh = async () => {
    const now = Date.now();
    for (const [id, entry] of cache) if (now - entry.usedAt > idleMs) cache.delete(id);
    if (refreshing || cache.size === 0) return;
    refreshing = true;
    try {
      const day = new Date(now).toISOString().slice(0, 10);
      const ids = [...cache.keys()];
      const rows = await database.query<{
        id: string;
        status: string;
        valid_from: Date;
        valid_until: Date;
        calls: number | null;
      }>(
        `SELECT c.id, c.status, c.valid_from, c.valid_until, u.calls
           FROM consents c LEFT JOIN consent_usage u ON u.consent_id = c.id AND u.day = $2
          WHERE c.id = ANY($1::uuid[])`,
        [ids, day],
      );
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(row.id);
        const entry = cache.get(row.id);
        // An entry loaded (or forgotten) meanwhile, or of another day, is left to its next call.
        if (!entry || entry.day !== day || entry.loadedAt > now) continue;
        entry.status = row.status;
        entry.validFrom = new Date(row.valid_from);
        entry.validUntil = new Date(row.valid_until);
        entry.callsAtLoad = row.calls ?? 0;
        // As fresh as the moment the query started, not when it ended.
        entry.loadedAt = now;
      }
      for (const id of ids) if (!seen.has(id)) cache.delete(id);
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => {
    refresh().catch(() => undefined);
  }, refreshMs);
  timer.unref();
  const local = new Map<string, number>();
  let today = '';
  const usage = createBatcher<{ id: string; day: string; nin: string; partner: string }, void>(
    async (calls) => {
      const byConsent = new Map<string, { day: string; nin: string; partner: string; n: number }>();
      for (const c of calls) {
        const k = `${c.id}\u0000${c.day}`;
        const entry = byConsent.get(k) ?? { day: c.day, nin: c.nin, partner: c.partner, n: 0 };
        entry.n++;
        byConsent.set(k, entry);
      }
      // One transaction per batch, whatever the number of consents in it.
      const entries = [...byConsent.entries()].map(([k, v]) => ({ id: k.split('\u0000')[0] ?? '', ...v }));
      await database.transaction(async (session) => {
        await session.query(
          `INSERT INTO consent_usage (consent_id, day, calls)
           SELECT * FROM unnest($1::uuid[], $2::date[], $3::int[])
           ON CONFLICT (consent_id, day) DO UPDATE SET calls = consent_usage.calls + EXCLUDED.calls`,
          [entries.map((e) => e.id), entries.map((e) => e.day), entries.map((e) => e.n)],
        );
        const updated = await session.query<{
          id: string;
          uses: number;
          n: number;
          nin: string;
          partner: string;
        }>(
          `UPDATE consents c SET uses = c.uses + v.n, first_used_at = COALESCE(c.first_used_at, now())
             FROM (SELECT id, sum(n)::int AS n FROM unnest($1::uuid[], $2::int[]) AS u(id, n) GROUP BY id) v
            WHERE c.id = v.id RETURNING c.id, c.uses, v.n, c.nin, c.partner`,
          [entries.map((e) => e.id), entries.map((e) => e.n)],
        );
        // The citizen hears when a partner first uses a consent.
        for (const first of updated.filter((u) => u.uses === u.n))
          await session.query(
            `INSERT INTO notify_outbox (id, channel, recipient, template, payload)
             VALUES ($1, 'push', $2, 'consent-first-use', $3::jsonb)`,
            [randomUUID(), first.nin, JSON.stringify({ consentId: first.id, partner: first.partner })],
          );
      });
      return calls.map(() => undefined);
    },
    { maxItems: 5000, maxDelayMs: 50 },
  );
  const localKey = (id: string, day: string) => `${id}\u0000${day}`;

  return {
    async get(id, day) {
      const hit = cache.get(id);
      if (hit && hit.day === day && Date.now() - hit.loadedAt < ttlMs) {
        hit.usedAt = Date.now();
        return hit;
      }
      const [row] = await database.query<{
        nin: string;
        partner: string;
        items: Array<{ service: string; fields?: string[] }>;
        status: string;
        valid_from: Date;
        valid_until: Date;
        frequency: Frequency;
        calls: number | null;
      }>(
        `SELECT c.nin, c.partner, c.items, c.status, c.valid_from, c.valid_until, c.frequency, u.calls
           FROM consents c LEFT JOIN consent_usage u ON u.consent_id = c.id AND u.day = $2 WHERE c.id = $1`,
        [id, day],
      );
      if (!row) return undefined;
      const loaded: CachedConsent = {
        nin: row.nin,
        partner: row.partner,
        items: row.items,
        status: row.status,
        validFrom: new Date(row.valid_from),
        validUntil: new Date(row.valid_until),
        frequency: row.frequency,
        day,
        callsAtLoad: row.calls ?? 0,
        loadedAt: Date.now(),
        usedAt: Date.now(),
      };
      cache.set(id, loaded);
      // Calls counted here but not yet written stay counted; written ones are in callsAtLoad.
      return loaded;
    },
    // The larger of the database's count at load and this node's own count: exact on one node,
    // never counting a call twice.
    callsToday(id, consent) {
      return Math.max(consent.callsAtLoad, local.get(localKey(id, consent.day)) ?? 0);
    },
    count(id, consent) {
      // Counts of past days are no longer needed.
      if (consent.day !== today) {
        local.clear();
        today = consent.day;
      }
      const k = localKey(id, consent.day);
      local.set(k, (local.get(k) ?? 0) + 1);
      usage
        .submit({ id, day: consent.day, nin: consent.nin, partner: consent.partner })
        .catch(() => undefined);
    },
    forget(id) {
      cache.delete(id);
    },
    drain: () => {
      clearInterval(timer);
      return usage.drain();
    },
  };
}
