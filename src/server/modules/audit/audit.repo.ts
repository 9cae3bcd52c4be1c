import type { Database } from '../../platform/db/database.ts';
import type { AuditEntry } from './entry.ts';

export interface AuditRow {
  seq: string | number;
  id: string;
  recorded_at: string;
  actor_kind: string;
  actor_id: string;
  acting_as: string | null;
  action: string;
  subject_kind: string | null;
  subject_id: string | null;
  outcome: AuditEntry['outcome'];
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

export const selectEntries = `SELECT seq, id::text AS id, recorded_at, actor_kind, actor_id, acting_as, action,
  subject_kind, subject_id, outcome, ip, request_id, details, prev_hash, hash FROM audit_log`;

export function rowToEntry(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    recordedAt: row.recorded_at,
    actor: { kind: row.actor_kind, id: row.actor_id },
    ...(row.acting_as !== null ? { actingAs: row.acting_as } : {}),
    action: row.action,
    ...(row.subject_kind !== null && row.subject_id !== null
      ? { subject: { kind: row.subject_kind, id: row.subject_id } }
      : {}),
    outcome: row.outcome,
    origin: {
      ...(row.ip !== null ? { ip: row.ip } : {}),
      ...(row.request_id !== null ? { requestId: row.request_id } : {}),
    },
    details: row.details ?? {},
    prevHash: Buffer.from(row.prev_hash).toString('hex'),
    hash: Buffer.from(row.hash).toString('hex'),
  };
}

export interface AuditFilter {
  subjectKind?: string;
  subjectId?: string;
  actorId?: string;
  action?: string;
  /** Entries after this seq (keyset pagination). */
  after?: number;
  limit: number;
}

export async function findEntries(database: Database, filter: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.subjectKind) add('subject_kind = ?', filter.subjectKind);
  if (filter.subjectId) add('subject_id = ?', filter.subjectId);
  if (filter.actorId) add('actor_id = ?', filter.actorId);
  if (filter.action) add('action = ?', filter.action);
  if (filter.after !== undefined) add('seq > ?', filter.after);
  params.push(filter.limit);
  const rows = await database.query<AuditRow>(
    `${selectEntries}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  return rows.map(rowToEntry);
}
