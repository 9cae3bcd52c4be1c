import type { ProcedureDefinition } from '../../../shared/procedures/definition.ts';
import type { EservicesDeps } from './deps.ts';
import { listProcedures } from './procedures.ts';

export interface ProcedurePerformance {
  procedure: { id: string; title: Record<string, string>; owner: string };
  /** Submitted applications over the window. */
  submitted: number;
  perDay: number;
  decided: number;
  /** Days from submission to decision; null with no decided application. */
  medianDays: number | null;
  p90Days: number | null;
  /** Share of decisions taken within the procedure's service-level target; null with none. */
  withinTarget: number | null;
  /** Share of applications made online (the rest at a counter); null with none. */
  online: number | null;
  targetDays: number;
}

/**
 * Service performance over a window (30 days by default), per procedure: the figures GOV.UK's
 * service standard asks to publish. One aggregate query over the (procedure, submitted_at) index.
 */
export async function servicePerformance(
  deps: EservicesDeps,
  options: { days: number },
): Promise<{ since: string; until: string; items: ProcedurePerformance[] }> {
  const until = deps.clock();
  const since = new Date(until.getTime() - options.days * 86_400_000);
  const rows = await deps.database.query<{
    procedure_id: string;
    submitted: string | number;
    decided: string | number;
    median_s: number | null;
    p90_s: number | null;
    within: string | number;
    online: string | number;
  }>(
    `SELECT procedure_id, count(*) AS submitted,
            count(decided_at) AS decided,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at)) AS median_s,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at)) AS p90_s,
            count(*) FILTER (WHERE decided_at IS NOT NULL AND decided_at <= target_at) AS within,
            count(*) FILTER (WHERE channel = 'online') AS online
       FROM eservices_applications
      WHERE submitted_at >= $1 AND submitted_at < $2
      GROUP BY procedure_id`,
    [since, until],
  );
  const byId = new Map(rows.map((r) => [r.procedure_id, r]));
  const days = (s: number | null) => (s === null ? null : Math.round((Number(s) / 86_400) * 10) / 10);
  const items = (await listProcedures(deps, {})).map((p: ProcedureDefinition) => {
    const r = byId.get(p.id);
    const submitted = Number(r?.submitted ?? 0);
    const decided = Number(r?.decided ?? 0);
    return {
      procedure: { id: p.id, title: p.title, owner: p.owner },
      submitted,
      perDay: Math.round((submitted / options.days) * 100) / 100,
      decided,
      medianDays: decided ? days(r!.median_s) : null,
      p90Days: decided ? days(r!.p90_s) : null,
      withinTarget: decided ? Number(r!.within) / decided : null,
      online: submitted ? Number(r!.online) / submitted : null,
      targetDays: p.workflow.steps.reduce((sum, s) => sum + s.slaDays, 0),
    };
  });
  return { since: since.toISOString(), until: until.toISOString(), items };
}
