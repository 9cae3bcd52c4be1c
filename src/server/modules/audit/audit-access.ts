import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { authorize } from '../../platform/policy.ts';
import { type AuditFilter, findEntries } from './audit.repo.ts';
import type { AuditEntry, AuditLog } from './audit-log.ts';
import { canReadAudit, canVerifyAudit } from './policies.ts';
import { type VerifyResult, verifyAuditLog } from './verify.ts';

export interface AuditDeps {
  database: Database;
  audit: AuditLog;
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
