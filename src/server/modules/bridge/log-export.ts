import { createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Actor } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { authorize, hasRole } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import {
  type ExchangeRecord,
  exchangeFromRow,
  type LoggedExchange,
  type MessageLogRow,
  recordHash,
} from './message-log.ts';
import { canAdministerBridge } from './policies.ts';
import { type BridgeKey, publishedBridgeKeys, sha256, signWithBridgeKey } from './signing.ts';

export const bundleFormat = 'jokko-bridge-log/1';

/** An auditor's extract of the message log: every record with its signature, and a signature over the whole. */
export interface LogBundle {
  format: typeof bundleFormat;
  exportedAt: string;
  from: string;
  to: string;
  count: number;
  /** SHA-256 (hex) over the records' hashes, one per line, in the bundle's order. */
  digest: string;
  records: LoggedExchange[];
  /** The bridge keys that signed, as published at /v1/bridge/keys (pin them; do not trust the bundle's own copy blindly). */
  keys: Array<Record<string, unknown>>;
  signer: string;
  /** Ed25519 over the canonical JSON of format, exportedAt, from, to, count and digest. */
  signature: string;
}

export const canExportLog = (actor: Actor): boolean =>
  canAdministerBridge(actor) ||
  ((actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'bridge:audit'));

const headerOf = (b: Pick<LogBundle, 'format' | 'exportedAt' | 'from' | 'to' | 'count' | 'digest'>) =>
  canonicalize({
    format: b.format,
    exportedAt: b.exportedAt,
    from: b.from,
    to: b.to,
    count: b.count,
    digest: b.digest,
  }) ?? '';

/** Exports the records of a period (start inclusive, end exclusive), signed as a whole; the export is audited. */
export async function exportMessageLog(
  deps: { database: Database; audit: AuditLog; bridgeKey: () => BridgeKey; clock: () => Date },
  actor: Actor,
  period: { from: Date; to: Date },
): Promise<LogBundle> {
  authorize(actor, canExportLog, undefined, 'export the bridge message log');
  const rows = await deps.database.query<MessageLogRow>(
    'SELECT * FROM bridge_message_log WHERE started_at >= $1 AND started_at < $2 ORDER BY started_at, id',
    [period.from, period.to],
  );
  const records = rows.map(exchangeFromRow);
  const key = deps.bridgeKey();
  const head = {
    format: bundleFormat,
    exportedAt: deps.clock().toISOString(),
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    count: records.length,
    digest: sha256(records.map((r) => r.recordHash).join('\n')).toString('hex'),
  } as const;
  await deps.audit.record({
    actor,
    action: 'bridge.message-log.exported',
    outcome: 'success',
    details: { from: head.from, to: head.to, count: head.count, digest: head.digest },
  });
  return {
    ...head,
    records,
    keys: await publishedBridgeKeys(deps.database),
    signer: key.kid,
    signature: signWithBridgeKey(key, headerOf(head)),
  };
}

export interface BundleCheck {
  ok: boolean;
  count: number;
  problems: string[];
  /** True when the keys came from the bundle itself rather than from the caller. */
  selfKeyed: boolean;
}

/**
 * Verifies a bundle offline: every record's hash recomputed and its signature checked, the digest
 * over all records, and the bundle signature. Pass the keys published by the bridge to pin them.
 */
export function verifyLogBundle(
  bundle: LogBundle,
  trustedKeys?: Array<Record<string, unknown>>,
): BundleCheck {
  const problems: string[] = [];
  if (bundle.format !== bundleFormat)
    return { ok: false, count: 0, problems: ['unknown bundle format'], selfKeyed: false };
  const keys = new Map<string, ReturnType<typeof createPublicKey>>();
  for (const jwk of trustedKeys ?? bundle.keys) {
    try {
      keys.set(String(jwk.kid), createPublicKey({ key: jwk as never, format: 'jwk' }));
    } catch {
      problems.push(`key ${String(jwk.kid)} is not a valid public key`);
    }
  }
  const check = (kid: string, data: Buffer | string, signature: string) => {
    const key = keys.get(kid);
    return key ? verify(null, Buffer.from(data), key, Buffer.from(signature, 'base64')) : false;
  };
  bundle.records.forEach((r, i) => {
    const { recordHash: stated, signer, signature, ...record } = r;
    const hash = recordHash(record as ExchangeRecord);
    if (hash.toString('hex') !== stated)
      problems.push(`record ${i} (${r.id}) was altered: its hash does not match`);
    else if (!check(signer, hash, signature))
      problems.push(`record ${i} (${r.id}) has no valid signature by ${signer}`);
  });
  if (bundle.records.length !== bundle.count)
    problems.push('the record count does not match the bundle header');
  const digest = sha256(bundle.records.map((r) => r.recordHash).join('\n')).toString('hex');
  if (digest !== bundle.digest)
    problems.push('records were added, removed or reordered: the digest does not match');
  if (!check(bundle.signer, headerOf(bundle), bundle.signature))
    problems.push(`the bundle signature by ${bundle.signer} does not verify`);
  return { ok: problems.length === 0, count: bundle.records.length, problems, selfKeyed: !trustedKeys };
}
