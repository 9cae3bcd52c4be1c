import { randomUUID } from 'node:crypto';
import { auditEntryContent } from '../../../shared/audit/evidence.ts';
import type { Database, SqlSession } from '../../platform/db/database.ts';
import { type AuditRow, rowToEntry, selectEntries } from './audit.repo.ts';
import { type AuditEntry, type AuditEvent, entryHash, genesisHash, leafHashOf } from './entry.ts';
import { insertNodes, leftSiblingsAt, nodesForAppend, TreeIncompleteError, treeSize } from './merkle-tree.ts';

export type { AuditEntry, AuditEvent } from './entry.ts';

export interface AuditLog {
  record(event: AuditEvent): Promise<AuditEntry>;
  recordMany(events: AuditEvent[]): Promise<AuditEntry[]>;
}

// Shared by every node; only audit appends take this advisory lock.
const appendLockKey = 7_214_530_002;
const maxBatch = 500;

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
  // The Merkle tree grows in the same transaction; entries from before it existed join it first.
  await catchUpTree(session, seq);
  const siblings = await leftSiblingsAt(session, seq);
  const leaves: Buffer[] = [];
  const recordedAt = new Date(now.getTime()).toISOString();
  const entries: AuditEntry[] = [];
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const event of events) {
    const base = { ...event, details: event.details ?? {}, seq, id: randomUUID(), recordedAt };
    const hash = entryHash(prev, auditEntryContent(base));
    const entry: AuditEntry = {
      ...base,
      prevHash: Buffer.from(prev).toString('hex'),
      hash: hash.toString('hex'),
    };
    entries.push(entry);
    leaves.push(leafHashOf(base));
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
  await insertNodes(session, nodesForAppend(entries[0]!.seq, siblings, leaves));
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

/**
 * Brings the tree up to the log's `logSize` entries: entries written before the tree existed (or
 * by an older version) get their leaves now. Runs under the append lock.
 */
export async function catchUpTree(session: SqlSession, logSize: number): Promise<void> {
  let size = await treeSize(session);
  if (size >= logSize) return;
  const siblings = await leftSiblingsAt(session, size);
  while (size < logSize) {
    const rows = await session.query<AuditRow>(`${selectEntries} WHERE seq >= $1 ORDER BY seq LIMIT 5000`, [
      size,
    ]);
    if (rows.length === 0) break;
    const leaves: Buffer[] = [];
    for (const row of rows) {
      if (Number(row.seq) !== size + leaves.length) throw new TreeIncompleteError(0, size + leaves.length);
      leaves.push(leafHashOf(rowToEntry(row)));
    }
    await insertNodes(session, nodesForAppend(size, siblings, leaves));
    size += leaves.length;
  }
}
