import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { RequestOrigin } from '../../platform/actor.ts';
import type { Database, SqlSession } from '../../platform/db/database.ts';

/** What a module records: who, acting as what, did what, to which subject, from where, with what outcome. */
export interface AuditEvent {
  actor: { kind: string; id: string };
  actingAs?: string;
  action: string;
  subject?: { kind: string; id: string };
  outcome: 'success' | 'denied' | 'failure';
  origin?: RequestOrigin;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  id: string;
  recordedAt: string;
  /** Hex SHA-256 of the previous entry (64 zeros for the first). */
  prevHash: string;
  hash: string;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<AuditEntry>;
  recordMany(events: AuditEvent[]): Promise<AuditEntry[]>;
}

export const genesisHash = Buffer.alloc(32);
// Shared by every node; only audit appends take this advisory lock.
const appendLockKey = 7_214_530_002;
const maxBatch = 500;

/** The exact JSON that is hashed; documented in docs/decisions/0004-audit-chain.md. */
export function hashedContent(e: Omit<AuditEntry, 'prevHash' | 'hash'>): Record<string, unknown> {
  return {
    v: 1,
    seq: e.seq,
    id: e.id,
    recordedAt: e.recordedAt,
    actor: { kind: e.actor.kind, id: e.actor.id },
    actingAs: e.actingAs ?? null,
    action: e.action,
    subject: e.subject ? { kind: e.subject.kind, id: e.subject.id } : null,
    outcome: e.outcome,
    origin: { ip: e.origin?.ip ?? null, requestId: e.origin?.requestId ?? null },
    details: e.details ?? {},
  };
}

export function entryHash(prevHash: Uint8Array, content: Record<string, unknown>): Buffer {
  const json = canonicalize(content);
  if (json === undefined) throw new Error('audit entry cannot be canonicalised');
  return createHash('sha256').update(prevHash).update(json, 'utf8').digest();
}

const columns = [
  'seq',
  'id',
  'recorded_at',
  'actor_kind',
  'actor_id',
  'acting_as',
  'action',
  'subject_kind',
  'subject_id',
  'outcome',
  'ip',
  'request_id',
  'details',
  'prev_hash',
  'hash',
] as const;

async function appendBatch(
  session: SqlSession,
  kind: Database['kind'],
  events: AuditEvent[],
  now: Date,
): Promise<AuditEntry[]> {
  // Several nodes append: the lock makes reading the head and inserting after it one step.
  if (kind === 'postgres') await session.query('SELECT pg_advisory_xact_lock($1)', [appendLockKey]);
  const [head] = await session.query<{ seq: string | number; hash: Uint8Array }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  let seq = head ? Number(head.seq) + 1 : 0;
  let prev: Uint8Array = head ? head.hash : genesisHash;
  const recordedAt = new Date(now.getTime()).toISOString();
  const entries: AuditEntry[] = [];
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const event of events) {
    const base = { ...event, details: event.details ?? {}, seq, id: randomUUID(), recordedAt };
    const hash = entryHash(prev, hashedContent(base));
    const entry: AuditEntry = {
      ...base,
      prevHash: Buffer.from(prev).toString('hex'),
      hash: hash.toString('hex'),
    };
    entries.push(entry);
    const values = [
      seq,
      entry.id,
      recordedAt,
      event.actor.kind,
      event.actor.id,
      event.actingAs ?? null,
      event.action,
      event.subject?.kind ?? null,
      event.subject?.id ?? null,
      event.outcome,
      event.origin?.ip ?? null,
      event.origin?.requestId ?? null,
      JSON.stringify(base.details),
      Buffer.from(prev),
      hash,
    ];
    const offset = params.length;
    rows.push(`(${values.map((_, i) => `$${offset + i + 1}${i === 12 ? '::jsonb' : ''}`).join(', ')})`);
    params.push(...values);
    prev = hash;
    seq++;
  }
  await session.query(`INSERT INTO audit_log (${columns.join(', ')}) VALUES ${rows.join(', ')}`, params);
  return entries;
}

/**
 * Appends go through one queue per process: concurrent `record` calls are grouped into one
 * transaction (group commit), which keeps the chain linear and the throughput high.
 */
export function createAuditLog(database: Database, options: { clock?: () => Date } = {}): AuditLog {
  const clock = options.clock ?? (() => new Date());
  type Pending = { event: AuditEvent; resolve: (e: AuditEntry) => void; reject: (err: unknown) => void };
  let pending: Pending[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (pending.length) {
        const batch = pending.slice(0, maxBatch);
        pending = pending.slice(batch.length);
        try {
          const entries = await database.transaction((s) =>
            appendBatch(
              s,
              database.kind,
              batch.map((p) => p.event),
              clock(),
            ),
          );
          for (const [i, p] of batch.entries()) p.resolve(entries[i]!);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    record(event) {
      return new Promise<AuditEntry>((resolve, reject) => {
        pending.push({ event, resolve, reject });
        void flush();
      });
    },
    async recordMany(events) {
      return Promise.all(events.map((event) => this.record(event)));
    },
  };
}
