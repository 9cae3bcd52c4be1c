import { randomUUID } from 'node:crypto';
import { exchangeRecordJson } from '../../../shared/audit/evidence.ts';
import { createBatcher } from '../../platform/batcher.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AuditLog } from '../audit/index.ts';
import { type BridgeKey, sha256, signWithBridgeKey } from './signing.ts';

/** One exchange through the gateway, as the message log keeps it. Bodies are never stored. */
export interface ExchangeRecord {
  id: string;
  xroadId: string;
  client: string;
  service: string;
  method: string;
  endpoint: string | null;
  userId: string | null;
  issue: string | null;
  subject: string | null;
  consentId: string | null;
  requestHash: string | null;
  responseHash: string | null;
  status: number;
  problem: string | null;
  requestBytes: number;
  responseBytes: number;
  startedAt: string;
  durationMs: number;
  backendMs: number | null;
}
export interface LoggedExchange extends ExchangeRecord {
  recordHash: string;
  signer: string;
  signature: string;
}

/** The bytes that are hashed and signed: canonical JSON of every field (RFC 8785). */
export function recordHash(record: ExchangeRecord): Buffer {
  return sha256(exchangeRecordJson(record));
}

/** A bridge_message_log row as the drivers return it. */
export interface MessageLogRow {
  id: string;
  xroad_id: string;
  client: string;
  service: string;
  method: string;
  endpoint: string | null;
  user_id: string | null;
  issue: string | null;
  subject: string | null;
  consent_id: string | null;
  request_hash: string | null;
  response_hash: string | null;
  status: number;
  problem: string | null;
  request_bytes: string | number;
  response_bytes: string | number;
  started_at: Date | string;
  duration_ms: number;
  backend_ms: number | null;
  record_hash: string;
  signer: string;
  signature: string;
}

export const exchangeFromRow = (r: MessageLogRow): LoggedExchange => ({
  id: r.id,
  xroadId: r.xroad_id,
  client: r.client,
  service: r.service,
  method: r.method,
  endpoint: r.endpoint,
  userId: r.user_id,
  issue: r.issue,
  subject: r.subject,
  consentId: r.consent_id,
  requestHash: r.request_hash,
  responseHash: r.response_hash,
  status: r.status,
  problem: r.problem,
  requestBytes: Number(r.request_bytes),
  responseBytes: Number(r.response_bytes),
  startedAt: new Date(r.started_at).toISOString(),
  durationMs: r.duration_ms,
  backendMs: r.backend_ms,
  recordHash: r.record_hash,
  signer: r.signer,
  signature: r.signature,
});

export interface MessageLog {
  /**
   * Resolves once the record is committed; the gateway answers the client only after that. A
   * forwarded call names the access right it used, which counts towards its daily quota.
   */
  append(record: ExchangeRecord, rightId?: string): Promise<LoggedExchange>;
  drain(): Promise<void>;
}

const columns = [
  'id',
  'xroad_id',
  'client',
  'service',
  'method',
  'endpoint',
  'user_id',
  'issue',
  'subject',
  'consent_id',
  'request_hash',
  'response_hash',
  'status',
  'problem',
  'request_bytes',
  'response_bytes',
  'started_at',
  'duration_ms',
  'backend_ms',
  'record_hash',
  'signer',
  'signature',
];

/**
 * Records are written in batches (group commit) so that logging keeps up with the gateway; each
 * batch is chained into the audit log by one entry that carries the SHA-256 over its records'
 * hashes, so removing or editing a record breaks the audit chain's evidence.
 */
export function createMessageLog(
  database: Database,
  audit: AuditLog,
  key: () => BridgeKey,
  options: { batchMs?: number } = {},
): MessageLog {
  const batcher = createBatcher<{ record: ExchangeRecord; rightId: string | undefined }, LoggedExchange>(
    async (items) => {
      const records = items.map((i) => i.record);
      const signer = key();
      const logged = records.map((r) => {
        const hash = recordHash(r);
        return {
          ...r,
          recordHash: hash.toString('hex'),
          signer: signer.kid,
          signature: signWithBridgeKey(signer, hash),
        };
      });
      const params: unknown[] = [];
      const rows = logged.map((r, n) => {
        params.push(
          r.id,
          r.xroadId,
          r.client,
          r.service,
          r.method,
          r.endpoint,
          r.userId,
          r.issue,
          r.subject,
          r.consentId,
          r.requestHash,
          r.responseHash,
          r.status,
          r.problem,
          r.requestBytes,
          r.responseBytes,
          r.startedAt,
          r.durationMs,
          r.backendMs,
          r.recordHash,
          r.signer,
          r.signature,
        );
        return `(${columns.map((_, c) => `$${n * columns.length + c + 1}`).join(', ')})`;
      });
      await database.query(
        `INSERT INTO bridge_message_log (${columns.join(', ')}) VALUES ${rows.join(', ')}`,
        params,
      );
      const usage = new Map<string, { rightId: string; client: string; day: string; calls: number }>();
      for (const { record, rightId } of items) {
        if (!rightId) continue;
        const day = record.startedAt.slice(0, 10);
        const k = `${rightId}\u0000${record.client}\u0000${day}`;
        const u = usage.get(k) ?? { rightId, client: record.client, day, calls: 0 };
        u.calls++;
        usage.set(k, u);
      }
      for (const u of usage.values())
        await database.query(
          `INSERT INTO bridge_quota_usage (right_id, client, day, calls) VALUES ($1, $2, $3, $4)
           ON CONFLICT (right_id, client, day) DO UPDATE SET calls = bridge_quota_usage.calls + EXCLUDED.calls`,
          [u.rightId, u.client, u.day, u.calls],
        );
      await audit.record({
        actor: { kind: 'system', id: 'bridge' },
        action: 'bridge.message-log.batch',
        subject: { kind: 'bridge-message-log', id: logged[0]?.id ?? randomUUID() },
        outcome: 'success',
        details: {
          count: logged.length,
          ids: logged.map((r) => r.id),
          digest: sha256(logged.map((r) => r.recordHash).join('\n')).toString('hex'),
          signer: signer.kid,
        },
      });
      return logged;
    },
    { maxItems: 200, maxDelayMs: options.batchMs ?? 2 },
  );
  return { append: (record, rightId) => batcher.submit({ record, rightId }), drain: () => batcher.drain() };
}

export interface DataAccess {
  /** The message-log record: its id asks for the proof that it is in the transparency log. */
  id: string;
  at: string;
  client: string;
  organisation: string | null;
  service: string;
  endpoint: string | null;
  /** The consent id, `legal-basis:...`, or null for a refused call. */
  basis: string | null;
  status: number;
  refused: boolean;
}

/**
 * Every exchange through the bridge that named this citizen, newest first: the data tracker.
 * Refused attempts are included, so a citizen also sees who tried.
 */
export async function listAccessesToSubject(
  database: Database,
  nin: string,
  page: { limit: number; before?: Date },
): Promise<DataAccess[]> {
  const rows = await database.query<{
    id: string;
    started_at: Date;
    client: string;
    name: string | null;
    service: string;
    endpoint: string | null;
    consent_id: string | null;
    status: number;
  }>(
    `SELECT l.id::text AS id, l.started_at, l.client, o.name, l.service, l.endpoint, l.consent_id, l.status
       FROM bridge_message_log l
       LEFT JOIN bridge_members m ON l.client LIKE m.instance || '/' || m.member_class || '/' || m.member_code || '/%'
       LEFT JOIN organisations o ON o.id = m.organisation_id
      WHERE l.subject = $1 AND ($2::timestamptz IS NULL OR l.started_at < $2)
      ORDER BY l.started_at DESC LIMIT $3`,
    [nin, page.before ?? null, page.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.started_at).toISOString(),
    client: r.client,
    organisation: r.name,
    service: r.service,
    endpoint: r.endpoint,
    basis: r.status < 400 ? r.consent_id : null,
    status: r.status,
    refused: r.status >= 400,
  }));
}

/**
 * What lets a citizen check that an exchange about them is in the transparency log: the record as
 * hashed, and the hashes of its batch, whose digest the batch's audit entry carries.
 */
export interface ExchangeEvidence {
  record: ExchangeRecord;
  recordHash: string;
  /** The audit entry that chained the record's batch (action bridge.message-log.batch). */
  auditSeq: number;
  /** Every record hash of the batch in order: SHA-256 of their newline-joined list is the entry's digest. */
  batchRecordHashes: string[];
}

export async function exchangeEvidence(
  database: Database,
  recordId: string,
  nin: string,
): Promise<ExchangeEvidence | undefined> {
  const [row] = await database.query<MessageLogRow>(
    'SELECT * FROM bridge_message_log WHERE id = $1 AND subject = $2',
    [recordId, nin],
  );
  if (!row) return undefined;
  const [batch] = await database.query<{ seq: string | number; details: { ids: string[] } }>(
    `SELECT seq, details FROM audit_log WHERE action = 'bridge.message-log.batch' AND details -> 'ids' ? $1`,
    [recordId],
  );
  if (!batch) return undefined;
  const ids = batch.details.ids;
  const hashes = await database.query<{ id: string; record_hash: string }>(
    'SELECT id::text AS id, record_hash FROM bridge_message_log WHERE id = ANY($1::uuid[])',
    [ids],
  );
  const byId = new Map(hashes.map((h) => [h.id, h.record_hash]));
  const { recordHash: hash, signer: _signer, signature: _signature, ...record } = exchangeFromRow(row);
  return {
    record,
    recordHash: hash,
    auditSeq: Number(batch.seq),
    batchRecordHashes: ids.map((id) => byId.get(id) ?? ''),
  };
}
