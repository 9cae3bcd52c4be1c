import type { ApplicationStatus, Decision } from '../../../shared/procedures/definition.ts';
import type { RequestOrigin } from '../../platform/actor.ts';
import type { SqlSession } from '../../platform/db/database.ts';
import { notFound, Problem } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import { agentRolesOf } from '../identity/index.ts';
import {
  type ApplicationRow,
  addDays,
  loadApplication,
  moveApplication,
  procedureOf,
} from './applications.ts';
import type { EservicesDeps } from './deps.ts';
import { issueOutput } from './output.ts';
import { type Agent, canWorkQueue, mayActOnStep, worksFor } from './policies.ts';
import { applyRegistryUpdate } from './prefill.ts';

export interface QueueFilter {
  status?: ApplicationStatus[];
  procedure?: string;
  assigned?: 'me' | 'none' | 'any';
  overdue?: boolean;
  reference?: string;
  limit: number;
  /** Keyset cursor: the last item of the previous page. */
  after?: string;
}

const openStatuses: ApplicationStatus[] = ['submitted', 'in_review', 'info_requested'];

async function ownApplication(
  deps: EservicesDeps,
  agent: Agent,
  id: string,
  tx: SqlSession = deps.database,
  lock = false,
) {
  authorize(agent.actor, canWorkQueue, undefined, 'work applications');
  const row = await loadApplication(tx, id, lock);
  // Another administration's application does not exist for this agent.
  if (!row || !worksFor(agent, row) || row.status === 'draft') throw notFound('no such application');
  return row;
}

/** An agent's administration, read from identity at each request (roles can be withdrawn at any time). */
export async function agentOf(deps: EservicesDeps, actor: Agent['actor']): Promise<Agent> {
  authorize(actor, canWorkQueue, undefined, 'work applications');
  const roles = await agentRolesOf(deps.database, actor.id);
  if (!roles || roles.organisationId !== actor.organisationId)
    throw new Problem('forbidden', 'this account is no longer an agent of this administration');
  return { actor, organisation: roles.organisation };
}

/**
 * The work queue of the agent's administration, oldest deadline first. One index
 * (owner, status, due_at) serves it; the cursor is the last (due_at, id) seen.
 */
export async function listQueue(
  deps: EservicesDeps,
  agent: Agent,
  filter: QueueFilter,
): Promise<{ items: ApplicationRow[]; next: string | null }> {
  authorize(agent.actor, canWorkQueue, undefined, 'work applications');
  const params: unknown[] = [agent.organisation];
  // The default (open) statuses are written out so the planner can use the partial index on them.
  const where = ['owner = $1'];
  if (filter.status?.length) {
    params.push(filter.status);
    where.push('status = ANY($2::text[])');
  } else where.push(`status IN (${openStatuses.map((s) => `'${s}'`).join(', ')})`);
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.procedure) add('procedure_id = ?', filter.procedure);
  if (filter.assigned === 'me') add('assigned_to = ?', agent.actor.id);
  if (filter.assigned === 'none') where.push('assigned_to IS NULL');
  if (filter.overdue) add('due_at < ?', deps.clock());
  if (filter.reference) add('reference = ?', filter.reference);
  if (filter.after) {
    const [due, id] = Buffer.from(filter.after, 'base64url').toString('utf8').split('|');
    if (!id || !/^[0-9a-f-]{36}$/.test(id) || (due && Number.isNaN(Date.parse(due))))
      throw new Problem('bad-request', 'after: not a cursor from this queue');
    params.push(id);
    const idParam = `$${params.length}::uuid`;
    if (due) {
      params.push(new Date(due));
      // Applications without a deadline (waiting for the citizen) come last.
      where.push(`((due_at, id) > ($${params.length}::timestamptz, ${idParam}) OR due_at IS NULL)`);
    } else where.push(`(due_at IS NULL AND id > ${idParam})`);
  }
  params.push(filter.limit + 1);
  const rows = await deps.database.query<ApplicationRow>(
    `SELECT * FROM eservices_applications WHERE ${where.join(' AND ')} ORDER BY due_at NULLS LAST, id LIMIT $${params.length}`,
    params,
  );
  const items = rows.slice(0, filter.limit);
  const last = items[items.length - 1];
  const next =
    rows.length > filter.limit && last
      ? Buffer.from(`${last.due_at ? new Date(last.due_at).toISOString() : ''}|${last.id}`).toString(
          'base64url',
        )
      : null;
  return { items, next };
}

export async function getForAgent(deps: EservicesDeps, agent: Agent, id: string) {
  return ownApplication(deps, agent, id);
}

async function timelineEvent(
  tx: SqlSession,
  deps: EservicesDeps,
  agent: Agent,
  row: ApplicationRow,
  kind: 'comment' | 'assignment',
  message: string | null,
  internal: boolean,
) {
  await tx.query(
    `INSERT INTO eservices_events (application_id, at, actor_kind, actor_id, kind, step, message, internal)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.id, deps.clock(), agent.actor.kind, agent.actor.id, kind, row.step, message, internal],
  );
}

/**
 * Bulk actions are limited to what is safe in bulk: taking applications (assign to me, or to a
 * colleague of the same administration) and starting their review. Decisions are one by one.
 */
export async function bulkAction(
  deps: EservicesDeps,
  agent: Agent,
  input: { action: 'assign' | 'start-review'; ids: string[]; assignee?: string },
  origin?: RequestOrigin,
): Promise<{ done: string[]; refused: Array<{ id: string; reason: string }> }> {
  authorize(agent.actor, canWorkQueue, undefined, 'work applications');
  let assignee = agent.actor.id;
  if (input.action === 'assign' && input.assignee && input.assignee !== agent.actor.id) {
    const colleague = /^[0-9a-f-]{36}$/i.test(input.assignee)
      ? await agentRolesOf(deps.database, input.assignee)
      : undefined;
    if (colleague?.organisation !== agent.organisation)
      throw new Problem('validation-failed', 'the assignee is not an agent of your administration', {
        errors: [{ in: 'body', pointer: '/assignee', detail: 'not an agent of your administration' }],
      });
    assignee = input.assignee;
  }
  const done: string[] = [];
  const refused: Array<{ id: string; reason: string }> = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      const row = await deps.database.transaction(async (tx) => {
        const current = await ownApplication(deps, agent, id, tx, true);
        if (input.action === 'assign') {
          if (!['submitted', 'in_review', 'info_requested'].includes(current.status))
            throw new Problem(
              'transition-forbidden',
              `an application that is ${current.status} is not assigned`,
            );
          await tx.query(
            'UPDATE eservices_applications SET assigned_to = $2, updated_at = $3 WHERE id = $1',
            [id, assignee, deps.clock()],
          );
          await timelineEvent(tx, deps, agent, current, 'assignment', assignee, true);
          return current;
        }
        const procedure = await procedureOf(tx, current);
        return moveApplication(deps, tx, current, procedure, {
          to: 'in_review',
          actor: agent.actor,
          decision: 'start-review',
          set: { assigned_to: current.assigned_to ?? agent.actor.id },
        });
      });
      done.push(id);
      await deps.audit.record({
        actor: agent.actor,
        action:
          input.action === 'assign'
            ? 'eservices.application.assigned'
            : 'eservices.application.review-started',
        subject: { kind: 'application', id },
        outcome: 'success',
        details: { reference: row.reference, ...(input.action === 'assign' ? { assignee } : {}) },
        ...(origin ? { origin } : {}),
      });
    } catch (err) {
      if (!(err instanceof Problem)) throw err;
      refused.push({ id, reason: err.detail ?? err.message });
    }
  }
  return { done, refused };
}

export async function commentOn(
  deps: EservicesDeps,
  agent: Agent,
  id: string,
  input: { message: string; internal: boolean },
  origin?: RequestOrigin,
) {
  const row = await deps.database.transaction(async (tx) => {
    const current = await ownApplication(deps, agent, id, tx, true);
    await timelineEvent(tx, deps, agent, current, 'comment', input.message, input.internal);
    return current;
  });
  await deps.audit.record({
    actor: agent.actor,
    action: 'eservices.application.commented',
    subject: { kind: 'application', id },
    outcome: 'success',
    details: { reference: row.reference, internal: input.internal },
    ...(origin ? { origin } : {}),
  });
}

/**
 * A decision on the current step, as the procedure allows it: the step must offer the decision,
 * the agent must hold the step's role, and a refusal or a request for information says why.
 * Approving the last step approves the application and issues its output in the same transaction.
 */
export async function decide(
  deps: EservicesDeps,
  agent: Agent,
  id: string,
  input: { decision: Decision; message?: string },
  origin?: RequestOrigin,
): Promise<ApplicationRow> {
  const key = await deps.outputKey();
  const result = await deps.database.transaction(async (tx) => {
    const row = await ownApplication(deps, agent, id, tx, true);
    const procedure = await procedureOf(tx, row);
    const step = procedure.workflow.steps[row.step]!;
    if (row.status !== 'in_review')
      throw new Problem(
        'transition-forbidden',
        `an application that is ${row.status} cannot be decided: start its review first`,
        { currentStatus: row.status },
      );
    if (!step.decisions.includes(input.decision))
      throw new Problem('transition-forbidden', `the step "${step.id}" allows ${step.decisions.join(', ')}`, {
        step: step.id,
        allowed: step.decisions,
      });
    if (!mayActOnStep(agent.actor, step.role))
      throw new Problem(
        'forbidden',
        `the step "${step.id}" is decided by an agent with the ${step.role} role`,
      );
    if (input.decision !== 'approve' && !input.message?.trim())
      throw new Problem('validation-failed', 'say why, for the citizen', {
        errors: [
          { in: 'body', pointer: '/message', detail: 'required for a refusal or a request for information' },
        ],
      });
    const now = deps.clock();
    if (input.decision === 'reject')
      return moveApplication(deps, tx, row, procedure, {
        to: 'rejected',
        actor: agent.actor,
        decision: 'reject',
        message: input.message!,
        set: { decided_at: now, due_at: null },
      });
    if (input.decision === 'request-info')
      return moveApplication(deps, tx, row, procedure, {
        to: 'info_requested',
        actor: agent.actor,
        decision: 'request-info',
        message: input.message!,
        set: { due_at: null },
      });
    const next = row.step + 1;
    if (next < procedure.workflow.steps.length)
      return moveApplication(deps, tx, row, procedure, {
        to: 'in_review',
        actor: agent.actor,
        decision: 'approve',
        step: next,
        ...(input.message ? { message: input.message } : {}),
        set: { due_at: addDays(now, procedure.workflow.steps[next]!.slaDays), assigned_to: null },
      });
    const approved = await moveApplication(deps, tx, row, procedure, {
      to: 'approved',
      actor: agent.actor,
      decision: 'approve',
      ...(input.message ? { message: input.message } : {}),
      set: { decided_at: now, due_at: null },
    });
    // A registry change is a bridge call: it is made after this transaction commits.
    if (procedure.output.registryUpdate) return approved;
    const output = await issueOutput(deps, tx, approved, procedure, key, {});
    return moveApplication(deps, tx, approved, procedure, {
      to: 'completed',
      actor: eservicesSystem,
      decision: 'complete',
      set: { output },
    });
  });
  await deps.audit.record({
    actor: agent.actor,
    action: `eservices.application.${input.decision}`,
    subject: { kind: 'application', id },
    outcome: 'success',
    details: { reference: result.reference, status: result.status, step: result.step },
    ...(origin ? { origin } : {}),
  });
  return result.status === 'approved' ? completeApplication(deps, result.id) : result;
}

const eservicesSystem = { kind: 'system' as const, id: 'eservices', roles: [] };

/**
 * Approved → completed: the registry change the procedure makes (through the bridge, outside any
 * transaction), then the output and the transition in one transaction. When the registry refuses
 * or cannot be reached, the application stays approved, nothing is lost, and the next try (the
 * worker's sweep) completes it; a second worker finds it completed and does nothing.
 */
export async function completeApplication(deps: EservicesDeps, id: string): Promise<ApplicationRow> {
  return (await tryToComplete(deps, id)).row;
}

async function tryToComplete(
  deps: EservicesDeps,
  id: string,
): Promise<{ row: ApplicationRow; done: boolean }> {
  const row = await loadApplication(deps.database, id);
  if (!row) throw notFound('no such application');
  if (row.status !== 'approved') return { row, done: false };
  const procedure = await procedureOf(deps.database, row);
  let results: Record<string, unknown>;
  try {
    const update = await applyRegistryUpdate(deps, procedure, row);
    results = update.results;
    // Documents made from the changed record (the old licence in a wallet) stop verifying.
    if (update.record && procedure.output.registryUpdate)
      await deps.onRecordChanged?.({
        registry: procedure.output.registryUpdate.registry,
        record: update.record,
        reason: `replaced after ${row.reference}`,
      });
  } catch (err) {
    await deps.audit.record({
      actor: eservicesSystem,
      action: 'eservices.application.registry-update-failed',
      subject: { kind: 'application', id },
      outcome: 'failure',
      details: { reference: row.reference, reason: (err as Error).message.slice(0, 200) },
    });
    return { row, done: false };
  }
  const key = await deps.outputKey();
  const completed = await deps.database.transaction(async (tx) => {
    const current = await loadApplication(tx, id, true);
    // Another worker completed it meanwhile.
    if (current?.status !== 'approved') return undefined;
    const output = await issueOutput(deps, tx, current, procedure, key, results);
    return moveApplication(deps, tx, current, procedure, {
      to: 'completed',
      actor: eservicesSystem,
      decision: 'complete',
      set: { output },
    });
  });
  if (!completed) return { row: (await loadApplication(deps.database, id))!, done: false };
  if (procedure.output.registryUpdate)
    await deps.audit.record({
      actor: eservicesSystem,
      action: 'eservices.application.registry-updated',
      subject: { kind: 'application', id },
      outcome: 'success',
      details: { reference: row.reference, registry: procedure.output.registryUpdate.registry },
    });
  return { row: completed, done: true };
}

/** The worker's sweep: approved applications whose completion failed earlier, oldest first. */
export async function completeApprovedApplications(deps: EservicesDeps, limit = 20): Promise<number> {
  const rows = await deps.database.query<{ id: string }>(
    "SELECT id FROM eservices_applications WHERE status = 'approved' ORDER BY decided_at LIMIT $1",
    [limit],
  );
  let done = 0;
  for (const { id } of rows) if ((await tryToComplete(deps, id)).done) done++;
  return done;
}

export async function timeline(session: SqlSession, id: string, includeInternal: boolean) {
  const rows = await session.query<{
    at: Date;
    actor_kind: string;
    actor_id: string;
    kind: string;
    from_status: ApplicationStatus | null;
    to_status: ApplicationStatus | null;
    step: number | null;
    decision: string | null;
    message: string | null;
    internal: boolean;
  }>(
    `SELECT at, actor_kind, actor_id, kind, from_status, to_status, step, decision, message, internal
       FROM eservices_events WHERE application_id = $1 ${includeInternal ? '' : "AND NOT internal AND kind = 'transition'"} ORDER BY id`,
    [id],
  );
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    kind: r.kind,
    actor: r.actor_kind,
    ...(includeInternal ? { actorId: r.actor_id } : {}),
    from: r.from_status,
    to: r.to_status,
    step: r.step,
    decision: r.decision,
    message: r.message,
    internal: r.internal,
  }));
}

/** A completed application's output, for the wallet: only the applicant's, only once completed. */
export async function completedOutput(
  database: EservicesDeps['database'],
  nin: string,
  id: string,
): Promise<
  | {
      reference: string;
      owner: string;
      documentType: string | undefined;
      data: Record<string, unknown>;
      validUntil: string | null;
    }
  | undefined
> {
  const row = await loadApplication(database, id);
  if (!row || row.nin !== nin || row.status !== 'completed' || !row.output) return undefined;
  const procedure = await procedureOf(database, row);
  return {
    reference: row.reference,
    owner: row.owner,
    documentType: procedure.output.documentType,
    data: row.data,
    validUntil: row.output.validUntil,
  };
}

/** Which administration issues which wallet documents as procedure outputs (for the trust list). */
export async function outputIssuers(database: EservicesDeps['database']): Promise<Record<string, string[]>> {
  const rows = await database.query<{ owner: string; type: string }>(
    `SELECT DISTINCT owner, definition->'output'->>'documentType' AS type FROM eservices_procedures
      WHERE definition->'output'->>'documentType' IS NOT NULL`,
  );
  const issuers: Record<string, string[]> = {};
  for (const r of rows) issuers[r.owner] = [...(issuers[r.owner] ?? []), r.type];
  return issuers;
}
