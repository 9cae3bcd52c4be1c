import { createHash, randomUUID } from 'node:crypto';
import type {
  ApplicationStatus,
  Decision,
  ProcedureDefinition,
} from '../../../shared/procedures/definition.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { SqlSession } from '../../platform/db/database.ts';
import { notFound, Problem } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import { notifyCitizen } from '../notify/index.ts';
import type { EservicesDeps } from './deps.ts';
import { checkAnswers, type FieldError } from './form.ts';
import { canApply, isApplicant } from './policies.ts';
import { failedEligibility, prefillApplication } from './prefill.ts';
import { findProcedure, getProcedure } from './procedures.ts';

export interface ApplicationRow {
  id: string;
  reference: string;
  procedure_id: string;
  procedure_version: number;
  owner: string;
  nin: string;
  status: ApplicationStatus;
  step: number;
  data: Record<string, unknown>;
  prefilled: Record<string, { registry: string; service: string; at: string }>;
  language: string;
  fee_amount: number;
  fee_currency: string;
  channel: string;
  submission_key: string | null;
  assigned_to: string | null;
  due_at: Date | null;
  target_at: Date | null;
  output: OutputRecord | null;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  decided_at: Date | null;
}

export interface OutputRecord {
  code: string;
  kind: string;
  title: string;
  statement: string;
  applicantName: string;
  issuerName: string;
  issuedAt: string;
  validUntil: string | null;
  language: string;
}

export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Where an application may go from each status, and who moves it there. */
export const transitions: Record<
  ApplicationStatus,
  Partial<Record<ApplicationStatus, 'citizen' | 'agent' | 'system'>>
> = {
  draft: { submitted: 'citizen', withdrawn: 'citizen' },
  submitted: { in_review: 'agent', withdrawn: 'citizen' },
  in_review: {
    in_review: 'agent',
    info_requested: 'agent',
    approved: 'agent',
    rejected: 'agent',
    withdrawn: 'citizen',
  },
  info_requested: { submitted: 'citizen', withdrawn: 'citizen' },
  approved: { completed: 'system' },
  rejected: {},
  completed: {},
  withdrawn: {},
};

export const finalStatuses: ApplicationStatus[] = ['rejected', 'completed', 'withdrawn'];

export async function loadApplication(
  session: SqlSession,
  id: string,
  lock = false,
): Promise<ApplicationRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await session.query<ApplicationRow>(
    `SELECT * FROM eservices_applications WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}

async function procedureOf(session: SqlSession, row: ApplicationRow): Promise<ProcedureDefinition> {
  const p = await findProcedure(session, row.procedure_id, row.procedure_version);
  if (!p) throw new Error(`procedure ${row.procedure_id}@${row.procedure_version} is missing`);
  return p;
}

const slaDaysLeft = (p: ProcedureDefinition, fromStep: number) =>
  p.workflow.steps.slice(fromStep).reduce((sum, s) => sum + s.slaDays, 0);
const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000);

const settable = new Set([
  'status',
  'updated_at',
  'step',
  'submission_key',
  'due_at',
  'target_at',
  'submitted_at',
  'decided_at',
  'assigned_to',
  'output',
]);

export interface TransitionInput {
  to: ApplicationStatus;
  actor: Actor;
  decision?: Decision | 'start-review' | 'submit' | 'withdraw' | 'complete';
  message?: string;
  step?: number;
  set?: Record<string, unknown>;
}

/**
 * One transition, in the caller's transaction: checked against the table above, timestamped in
 * the timeline, and announced to the citizen through the notify outbox (same transaction).
 */
export async function moveApplication(
  deps: EservicesDeps,
  tx: SqlSession,
  row: ApplicationRow,
  procedure: ProcedureDefinition,
  input: TransitionInput,
): Promise<ApplicationRow> {
  const who = transitions[row.status][input.to];
  const actorKind =
    input.actor.kind === 'system' ? 'system' : input.actor.kind === 'citizen' ? 'citizen' : 'agent';
  if (!who || who !== actorKind)
    throw new Problem(
      'transition-forbidden',
      `an application that is ${row.status} cannot become ${input.to} by ${actorKind} action`,
      { currentStatus: row.status },
    );
  const now = deps.clock();
  const set: Record<string, unknown> = { status: input.to, updated_at: now, ...input.set };
  if (input.step !== undefined) set.step = input.step;
  const columns = Object.keys(set);
  // Column names are interpolated: only these, all named in code, may be set.
  const unknown = columns.find((c) => !settable.has(c));
  if (unknown) throw new Error(`moveApplication cannot set ${unknown}`);
  const [updated] = await tx.query<ApplicationRow>(
    `UPDATE eservices_applications SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`,
    [row.id, ...columns.map((c) => (c === 'output' || c === 'data' ? JSON.stringify(set[c]) : set[c]))],
  );
  await tx.query(
    `INSERT INTO eservices_events (application_id, at, actor_kind, actor_id, kind, from_status, to_status, step, decision, message)
     VALUES ($1, $2, $3, $4, 'transition', $5, $6, $7, $8, $9)`,
    [
      row.id,
      now,
      input.actor.kind,
      input.actor.id,
      row.status,
      input.to,
      updated!.step,
      input.decision ?? null,
      input.message ?? null,
    ],
  );
  await notifyCitizen(tx, {
    nin: row.nin,
    defaultLanguage: row.language,
    template: 'application-status',
    payload: {
      applicationId: row.id,
      reference: row.reference,
      procedure: { id: procedure.id, title: procedure.title },
      status: input.to,
      ...(input.message ? { message: input.message } : {}),
    },
  });
  return updated!;
}

async function audit(
  deps: EservicesDeps,
  actor: Actor,
  action: string,
  row: { id: string; reference: string; procedure_id: string },
  details: Record<string, unknown>,
  origin?: RequestOrigin,
  outcome: 'success' | 'denied' = 'success',
) {
  await deps.audit.record({
    actor,
    action: `eservices.application.${action}`,
    subject: { kind: 'application', id: row.id },
    outcome,
    details: { reference: row.reference, procedure: row.procedure_id, ...details },
    ...(origin ? { origin } : {}),
  });
}

async function nextReference(tx: SqlSession, country: string, now: Date): Promise<string> {
  const [row] = await tx.query<{ n: string | number }>("SELECT nextval('eservices_reference_seq') AS n");
  return `${country}-${now.getUTCFullYear()}-${String(row!.n).padStart(6, '0')}`;
}

/**
 * A citizen starts an application: the draft arrives pre-filled with what the registries know
 * (through the bridge), after the eligibility rules are checked on it.
 */
export async function startApplication(
  deps: EservicesDeps,
  actor: Actor,
  procedureId: string,
  language: string,
  origin?: RequestOrigin,
): Promise<ApplicationRow> {
  authorize(actor, canApply, undefined, 'apply for public services');
  const procedure = await getProcedure(deps, procedureId);
  const nin = actor.nin!;
  const now = deps.clock();
  const id = randomUUID();
  const reference = await nextReference(deps.database, deps.country.code, now);
  const prefilled = await prefillApplication(deps, procedure, nin, reference);
  const failed = failedEligibility(procedure.eligibility, prefilled.values, now);
  if (failed) {
    await audit(
      deps,
      actor,
      'refused',
      { id, reference, procedure_id: procedure.id },
      { rule: failed.rule },
      origin,
      'denied',
    );
    throw new Problem(
      'application-not-eligible',
      failed.message[language] ?? failed.message[deps.country.languages.default],
      {
        rule: failed.rule,
        field: failed.field,
      },
    );
  }
  const lang = [deps.country.languages.default, ...deps.country.languages.others].includes(language)
    ? language
    : deps.country.languages.default;
  const row = await deps.database.transaction(async (tx) => {
    const [created] = await tx.query<ApplicationRow>(
      `INSERT INTO eservices_applications (id, reference, procedure_id, procedure_version, owner, nin, status, step, data, prefilled,
                                           language, fee_amount, fee_currency, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'draft', 0, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
      [
        id,
        reference,
        procedure.id,
        procedure.version,
        procedure.owner,
        nin,
        JSON.stringify(prefilled.values),
        JSON.stringify(prefilled.sources),
        lang,
        procedure.fee.amount,
        procedure.fee.currency,
        now,
      ],
    );
    await tx.query(
      `INSERT INTO eservices_events (application_id, at, actor_kind, actor_id, kind, to_status, step)
       VALUES ($1, $2, $3, $4, 'transition', 'draft', 0)`,
      [id, now, actor.kind, actor.id],
    );
    return created!;
  });
  await audit(deps, actor, 'started', row, { prefilled: Object.keys(prefilled.sources) }, origin);
  return row;
}

async function mine(
  deps: EservicesDeps,
  actor: Actor,
  id: string,
  tx: SqlSession = deps.database,
  lock = false,
) {
  authorize(actor, canApply, undefined, 'read applications');
  const row = await loadApplication(tx, id, lock);
  // Another citizen's application does not exist, as far as this citizen can tell.
  if (!row || !isApplicant(actor, row)) throw notFound('no such application');
  return row;
}

export async function getMyApplication(deps: EservicesDeps, actor: Actor, id: string) {
  return mine(deps, actor, id);
}

export async function listMyApplications(deps: EservicesDeps, actor: Actor): Promise<ApplicationRow[]> {
  authorize(actor, canApply, undefined, 'read applications');
  return deps.database.query<ApplicationRow>(
    'SELECT * FROM eservices_applications WHERE nin = $1 ORDER BY created_at DESC LIMIT 200',
    [actor.nin],
  );
}

const formInvalid = (errors: FieldError[]) =>
  new Problem('form-invalid', `${errors.length} answer(s) to correct`, { errors });

/** Registry values the procedure locks stay as the registry gave them. */
function lockedChanges(
  procedure: ProcedureDefinition,
  row: ApplicationRow,
  data: Record<string, unknown>,
): FieldError[] {
  return Object.keys(row.prefilled)
    .filter((f) => procedure.form.ui.fields[f]?.lockedWhenPrefilled && f in data && data[f] !== row.data[f])
    .map((f) => ({
      in: 'body' as const,
      pointer: `/data/${f}`,
      detail: 'this value comes from a registry and cannot be changed here',
    }));
}

/** Autosave: the answers so far, checked for type and format, not for completeness. */
export async function saveAnswers(
  deps: EservicesDeps,
  actor: Actor,
  id: string,
  data: Record<string, unknown>,
): Promise<ApplicationRow> {
  return deps.database.transaction(async (tx) => {
    const row = await mine(deps, actor, id, tx, true);
    if (row.status !== 'draft' && row.status !== 'info_requested')
      throw new Problem('transition-forbidden', `an application that is ${row.status} cannot be changed`, {
        currentStatus: row.status,
      });
    const procedure = await procedureOf(tx, row);
    const merged = { ...row.data, ...data };
    for (const [k, v] of Object.entries(data)) if (v === null) delete merged[k];
    const errors = [...lockedChanges(procedure, row, data), ...checkAnswers(procedure, merged, 'draft')];
    if (errors.length) throw formInvalid(errors);
    const [updated] = await tx.query<ApplicationRow>(
      'UPDATE eservices_applications SET data = $2, updated_at = $3 WHERE id = $1 RETURNING *',
      [id, JSON.stringify(merged), deps.clock()],
    );
    return updated!;
  });
}

const signatures: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
};

export interface AttachmentView {
  id: string;
  slot: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}

/**
 * A document the procedure asks for: its slot must exist, its type must be one the slot accepts
 * (and the bytes must be what the type says), its size within the slot's limit, and the scanner
 * must find it clean. A new file in a slot replaces the old one.
 */
export async function attachFile(
  deps: EservicesDeps,
  actor: Actor,
  id: string,
  slot: string,
  file: { filename: string; mediaType: string; bytes: Buffer },
  origin?: RequestOrigin,
): Promise<AttachmentView> {
  const row = await mine(deps, actor, id);
  if (row.status !== 'draft' && row.status !== 'info_requested')
    throw new Problem('transition-forbidden', `an application that is ${row.status} cannot be changed`, {
      currentStatus: row.status,
    });
  const procedure = await procedureOf(deps.database, row);
  const definition = procedure.attachments.find((a) => a.id === slot);
  if (!definition) throw notFound(`this procedure asks for no document "${slot}"`);
  if (!(definition.types as string[]).includes(file.mediaType))
    throw new Problem('unsupported-media-type', `"${slot}" accepts ${definition.types.join(', ')}`);
  if (!signatures[file.mediaType]?.(file.bytes))
    throw new Problem('unsupported-media-type', `the file is not a ${file.mediaType} file`);
  if (file.bytes.length > definition.maxBytes)
    throw new Problem('payload-too-large', `"${slot}" accepts files up to ${definition.maxBytes} bytes`, {
      maxBytes: definition.maxBytes,
    });
  if ((await deps.scanner.scan(file.bytes, file.mediaType)) !== 'clean') {
    await audit(deps, actor, 'attachment-refused', row, { slot, reason: 'malware' }, origin, 'denied');
    throw new Problem('attachment-refused', 'the file was refused by the virus scan');
  }
  const view: AttachmentView = {
    id: randomUUID(),
    slot,
    filename: file.filename.replace(/[^\p{L}\p{N} ._()-]/gu, '_').slice(0, 120) || 'document',
    mediaType: file.mediaType,
    sizeBytes: file.bytes.length,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    createdAt: deps.clock().toISOString(),
  };
  await deps.database.transaction(async (tx) => {
    await tx.query('DELETE FROM eservices_attachments WHERE application_id = $1 AND slot = $2', [id, slot]);
    await tx.query(
      `INSERT INTO eservices_attachments (id, application_id, slot, filename, media_type, size_bytes, sha256, scan, content, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'clean', $8, $9)`,
      [
        view.id,
        id,
        slot,
        view.filename,
        view.mediaType,
        view.sizeBytes,
        view.sha256,
        file.bytes,
        view.createdAt,
      ],
    );
  });
  await audit(
    deps,
    actor,
    'attachment-added',
    row,
    { slot, sizeBytes: view.sizeBytes, mediaType: view.mediaType },
    origin,
  );
  return view;
}

export async function listAttachments(session: SqlSession, applicationId: string): Promise<AttachmentView[]> {
  const rows = await session.query<{
    id: string;
    slot: string;
    filename: string;
    media_type: string;
    size_bytes: number;
    sha256: string;
    created_at: Date;
  }>(
    'SELECT id, slot, filename, media_type, size_bytes, sha256, created_at FROM eservices_attachments WHERE application_id = $1 ORDER BY slot',
    [applicationId],
  );
  return rows.map((r) => ({
    id: r.id,
    slot: r.slot,
    filename: r.filename,
    mediaType: r.media_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

export async function readAttachment(session: SqlSession, applicationId: string, attachmentId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(attachmentId)) return undefined;
  const [row] = await session.query<{ filename: string; media_type: string; content: Uint8Array }>(
    'SELECT filename, media_type, content FROM eservices_attachments WHERE application_id = $1 AND id = $2',
    [applicationId, attachmentId],
  );
  return row;
}

export async function getMyAttachment(deps: EservicesDeps, actor: Actor, id: string, attachmentId: string) {
  await mine(deps, actor, id);
  const found = await readAttachment(deps.database, id, attachmentId);
  if (!found) throw notFound('no such attachment');
  return found;
}

/**
 * Submission, once: the answers complete and valid, the required documents there, the fee the
 * citizen was shown equal to the procedure's. The same Idempotency-Key answers the same result
 * (a double tap submits once); another key on a submitted application is a conflict.
 */
export async function submitApplication(
  deps: EservicesDeps,
  actor: Actor,
  id: string,
  input: { fee: { amount: number; currency: string } },
  idempotencyKey: string,
  origin?: RequestOrigin,
): Promise<{ row: ApplicationRow; replayed: boolean }> {
  const outcome = await deps.database.transaction(async (tx) => {
    const row = await mine(deps, actor, id, tx, true);
    if (row.submission_key === idempotencyKey) return { row, replayed: true };
    const procedure = await procedureOf(tx, row);
    if (row.status !== 'draft' && row.status !== 'info_requested')
      throw new Problem('transition-forbidden', `an application that is ${row.status} cannot be submitted`, {
        currentStatus: row.status,
      });
    if (input.fee.amount !== row.fee_amount || input.fee.currency !== row.fee_currency)
      throw new Problem(
        'fee-mismatch',
        `the fee for this procedure is ${row.fee_amount} ${row.fee_currency}`,
        {
          expected: { amount: row.fee_amount, currency: row.fee_currency },
        },
      );
    const errors = checkAnswers(procedure, row.data, 'submission');
    const attached = new Set((await listAttachments(tx, id)).map((a) => a.slot));
    for (const a of procedure.attachments)
      if (a.required && !attached.has(a.id))
        errors.push({ in: 'body', pointer: `/attachments/${a.id}`, detail: 'this document is required' });
    if (errors.length) throw formInvalid(errors);
    const now = deps.clock();
    const failed = failedEligibility(procedure.eligibility, row.data, now);
    if (failed)
      throw new Problem(
        'application-not-eligible',
        failed.message[row.language] ?? Object.values(failed.message)[0],
        {
          rule: failed.rule,
          field: failed.field,
        },
      );
    const firstSubmission = row.submitted_at === null;
    const updated = await moveApplication(deps, tx, row, procedure, {
      to: 'submitted',
      actor,
      decision: 'submit',
      set: {
        submission_key: idempotencyKey,
        due_at: addDays(now, procedure.workflow.steps[row.step]!.slaDays),
        ...(firstSubmission ? { submitted_at: now, target_at: addDays(now, slaDaysLeft(procedure, 0)) } : {}),
      },
    });
    return { row: updated, replayed: false };
  });
  if (!outcome.replayed)
    await audit(deps, actor, 'submitted', outcome.row, { fee: input.fee, step: outcome.row.step }, origin);
  return outcome;
}

export async function withdrawApplication(
  deps: EservicesDeps,
  actor: Actor,
  id: string,
  reason: string | undefined,
  origin?: RequestOrigin,
): Promise<ApplicationRow> {
  const row = await deps.database.transaction(async (tx) => {
    const current = await mine(deps, actor, id, tx, true);
    return moveApplication(deps, tx, current, await procedureOf(tx, current), {
      to: 'withdrawn',
      actor,
      decision: 'withdraw',
      ...(reason ? { message: reason } : {}),
      set: { due_at: null },
    });
  });
  await audit(deps, actor, 'withdrawn', row, {}, origin);
  return row;
}

export { addDays, procedureOf, slaDaysLeft };
