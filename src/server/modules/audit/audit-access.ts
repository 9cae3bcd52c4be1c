import type { ConsistencyProof, InclusionProof, TreeHead } from '../../../shared/audit/merkle.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { notFound, Problem } from '../../platform/http/problems.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { authorize } from '../../platform/policy.ts';
import { type AuditFilter, findEntries } from './audit.repo.ts';
import type { AuditLog } from './audit-log.ts';
import { type AuditEntry, leafHashOf } from './entry.ts';
import { consistencyProofOf, inclusionProofOf, treeSize } from './merkle-tree.ts';
import { canProveEntry, canPublishTreeHead, canReadAudit, canVerifyAudit } from './policies.ts';
import { latestTreeHead, publishTreeHead, treeHeadCovering, treeHeadOfSize } from './tree-heads.ts';
import { type VerifyResult, verifyAuditLog } from './verify.ts';

export interface AuditDeps {
  database: Database;
  audit: AuditLog;
  kms: KeyManagement;
  clock: () => Date;
}

/** Operators read the log; the reading is itself recorded. */
export async function listAuditEntries(
  deps: AuditDeps,
  actor: Actor,
  filter: AuditFilter,
  origin?: RequestOrigin,
): Promise<AuditEntry[]> {
  authorize(actor, canReadAudit, undefined, 'read the audit log');
  const entries = await findEntries(deps.database, filter);
  await deps.audit.record({
    actor,
    action: 'audit.entries.read',
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { filter, returned: entries.length },
  });
  return entries;
}

export async function verifyAuditLogAs(
  deps: AuditDeps,
  actor: Actor,
  origin?: RequestOrigin,
): Promise<VerifyResult> {
  authorize(actor, canVerifyAudit, undefined, 'verify the audit log');
  const result = await verifyAuditLog(deps.database);
  await deps.audit.record({
    actor,
    action: 'audit.verified',
    outcome: result.ok ? 'success' : 'failure',
    ...(origin ? { origin } : {}),
    details: { entries: result.entries, ...(result.firstBroken ? { firstBroken: result.firstBroken } : {}) },
  });
  return result;
}

/** An operator publishes a head now instead of waiting for the worker's next one. */
export async function publishTreeHeadAs(
  deps: AuditDeps,
  actor: Actor,
  origin?: RequestOrigin,
): Promise<TreeHead> {
  authorize(actor, canPublishTreeHead, undefined, 'publish a tree head');
  const head = await publishTreeHead(deps);
  await deps.audit.record({
    actor,
    action: 'audit.tree-head.published',
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { treeSize: head.treeSize, rootHash: head.rootHash },
  });
  return head;
}

/** The newest signed tree head; one is published first when the log has none yet. */
export async function currentTreeHead(deps: AuditDeps): Promise<TreeHead> {
  return (await latestTreeHead(deps.database)) ?? publishTreeHead(deps);
}

export interface EntryProof {
  entry: AuditEntry;
  /** Hex SHA-256(0x00 ‖ canonical entry): recompute it from `entry` before trusting the proof. */
  leafHash: string;
  inclusion: InclusionProof;
  treeHead: TreeHead;
}

/**
 * Proves that an entry is in the log: its inclusion in a signed tree head, the smallest published
 * one that covers it unless a size is asked for (a head is published when none covers it yet).
 */
export async function proveEntry(
  deps: AuditDeps,
  actor: Actor,
  seq: number,
  atSize?: number,
): Promise<EntryProof> {
  const [entry] = await findEntries(deps.database, { after: seq - 1, limit: 1 });
  // Another citizen's entry answers like a missing one: its existence is not theirs to learn.
  if (!entry || entry.seq !== seq || !canProveEntry(actor, entry))
    throw notFound(`No audit entry ${seq} for you`);
  if (actor.kind !== 'citizen')
    await deps.audit.record({
      actor,
      action: 'audit.entry.proved',
      subject: { kind: 'audit-entry', id: String(seq) },
      outcome: 'success',
    });
  return proofOf(deps, entry, atSize);
}

/**
 * The proof of an entry for a module that has already decided the caller may see it (consent's
 * data tracker proves a bridge exchange's batch entry to the citizen the exchange was about).
 */
export async function proveEntryOnBehalf(deps: AuditDeps, seq: number): Promise<EntryProof> {
  const [entry] = await findEntries(deps.database, { after: seq - 1, limit: 1 });
  if (!entry || entry.seq !== seq) throw notFound(`No audit entry ${seq}`);
  return proofOf(deps, entry);
}

async function proofOf(deps: AuditDeps, entry: AuditEntry, atSize?: number): Promise<EntryProof> {
  const seq = entry.seq;
  let head: TreeHead | undefined;
  if (atSize !== undefined) {
    if (atSize <= seq)
      throw new Problem('bad-request', `A tree of ${atSize} entries does not contain entry ${seq}`);
    head = await treeHeadOfSize(deps.database, atSize);
    if (!head) throw notFound(`No signed tree head of size ${atSize}`);
  } else {
    head = (await treeHeadCovering(deps.database, seq)) ?? (await publishTreeHead(deps));
  }
  const path = await inclusionProofOf(deps.database, seq, head.treeSize);
  return {
    entry,
    leafHash: leafHashOf(entry).toString('hex'),
    inclusion: { leafIndex: seq, treeSize: head.treeSize, path: path.map((h) => h.toString('hex')) },
    treeHead: head,
  };
}

/** Public, like a certificate-transparency log's: hashes only, nothing about any entry's content. */
export async function proveConsistency(
  deps: AuditDeps,
  fromSize: number,
  toSize: number,
): Promise<ConsistencyProof> {
  const size = await treeSize(deps.database);
  if (fromSize < 1 || fromSize > toSize)
    throw new Problem('bad-request', 'A consistency proof needs 1 ≤ from ≤ to');
  if (toSize > size) throw notFound(`The log has ${size} entries, fewer than ${toSize}`);
  const path = fromSize === toSize ? [] : await consistencyProofOf(deps.database, fromSize, toSize);
  return { fromSize, toSize, path: path.map((h) => h.toString('hex')) };
}
