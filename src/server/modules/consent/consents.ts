import { randomUUID } from 'node:crypto';
import { type CountryProfile, validateNationalId } from '../../../shared/countries/index.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database, SqlSession } from '../../platform/db/database.ts';
import { conflict, invalidInput, notFound } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import { findServices } from '../bridge/index.ts';
import {
  type ArtefactClaims,
  artefactHash,
  type ConsentKey,
  type ConsentStatus,
  type Frequency,
  signArtefact,
} from './artefact.ts';
import { canAdministerConsent, canRequestConsent, isConsentOwner } from './policies.ts';

export interface ConsentDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
  clock: () => Date;
  key: () => ConsentKey;
  /** Told of every change, so this node's bridge stops using a paused or revoked consent at once. */
  onChange?: (consentId: string) => void;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const invalid = (pointer: string, detail: string) => invalidInput('body', pointer, detail);
const requestLifetimeDays = 7;
/** A redirect request is answered during one sign-in: it lapses after an hour. */
const redirectRequestLifetimeMs = 3600_000;
/** Citizens are told a week ahead that a consent ends. */
const reminderLeadMs = 7 * 86_400_000;

export interface ConsentRequestInput {
  partnerSubsystemId: string;
  /** The citizen asked (decoupled flow); absent, the request is answered by whoever signs in through the
   *  partner's redirect (OpenID Connect with `consent_request`) and approves it. */
  nin?: string;
  /** Bridge service ids, e.g. SN/GOV/DAF/registries/people/v1; each must carry personal data. */
  services: string[];
  /** For a service named here, only these fields of its answers (top-level keys) reach the partner. */
  fields?: Record<string, string[]>;
  purpose: string;
  purposeText?: string;
  validDays: number;
  frequency: Frequency;
  dataLifeDays: number;
}

export interface ConsentRequestInfo {
  id: string;
  partner: string;
  /** The partner's name in the organisations registry, for people to read. */
  partnerName: string | null;
  items: Array<{ service: string; fields?: string[] }>;
  purpose: { code: string; text: string };
  validDays: number;
  frequency: Frequency;
  dataLifeDays: number;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  flow: 'decoupled' | 'redirect';
  createdAt: string;
  expiresAt: string;
  consentId: string | null;
}

interface RequestRow {
  id: string;
  partner_subsystem_id: string;
  partner: string;
  nin: string | null;
  flow: 'decoupled' | 'redirect';
  items: Array<{ service: string; fields?: string[] }>;
  purpose_code: string;
  purpose_text: string;
  valid_days: number;
  frequency: Frequency;
  data_life_days: number;
  status: ConsentRequestInfo['status'];
  created_at: Date;
  expires_at: Date;
  consent_id: string | null;
  partner_name?: string | null;
}

/** The registry name of the organisation behind a row's partner subsystem. */
const partnerNameOf = (alias: string) =>
  `(SELECT o.name FROM bridge_subsystems s JOIN bridge_members m ON m.id = s.member_id
      JOIN organisations o ON o.id = m.organisation_id WHERE s.id = ${alias}.partner_subsystem_id)`;

const requestInfo = (r: RequestRow, now: Date): ConsentRequestInfo => ({
  id: r.id,
  partner: r.partner,
  partnerName: r.partner_name ?? null,
  items: r.items,
  purpose: { code: r.purpose_code, text: r.purpose_text },
  validDays: r.valid_days,
  frequency: r.frequency,
  dataLifeDays: r.data_life_days,
  status: r.status === 'pending' && new Date(r.expires_at) <= now ? 'expired' : r.status,
  flow: r.flow,
  createdAt: new Date(r.created_at).toISOString(),
  expiresAt: new Date(r.expires_at).toISOString(),
  consentId: r.consent_id,
});

async function partnerSubsystem(database: Database, id: string) {
  if (!uuid.test(id)) throw invalid('/partnerSubsystemId', 'not a subsystem id');
  const [row] = await database.query<{
    organisation_id: string;
    client_id: string;
    active: boolean;
    environment: 'production' | 'sandbox';
  }>(
    `SELECT m.organisation_id, m.instance || '/' || m.member_class || '/' || m.member_code || '/' || s.code AS client_id,
            (m.status = 'active' AND s.status = 'active') AS active, m.environment
       FROM bridge_subsystems s JOIN bridge_members m ON m.id = s.member_id WHERE s.id = $1`,
    [id],
  );
  if (!row) throw invalid('/partnerSubsystemId', 'no such bridge subsystem');
  return row;
}

/**
 * A partner asks a citizen for data. Decoupled flow (a NIN is named): the request waits in the
 * citizen's app for a week. Redirect flow (no NIN): the partner sends the citizen to sign in at
 * Jokko with `consent_request=<id>`, and the citizen who signs in answers it within the hour.
 * Nothing is readable until the citizen approves.
 */
export async function requestConsent(
  deps: ConsentDeps,
  actor: Actor,
  input: ConsentRequestInput,
  origin?: RequestOrigin,
): Promise<ConsentRequestInfo> {
  const partner = await partnerSubsystem(deps.database, input.partnerSubsystemId);
  authorize(actor, canRequestConsent, partner.organisation_id, 'ask for consent for this subsystem');
  if (!partner.active) throw conflict('The partner subsystem is not an active bridge member');
  let nin: string | null = null;
  if (input.nin !== undefined) {
    const checked = validateNationalId(deps.country, input.nin);
    if (!checked.ok) throw invalid('/nin', checked.reason);
    nin = checked.normalized;
  }
  const services = [...new Set(input.services)];
  if (!services.length) throw invalid('/services', 'name at least one service');
  const known = await findServices(deps.database, services);
  services.forEach((service, i) => {
    const match = known.get(service);
    if (!match) throw invalid(`/services/${i}`, `no bridge service ${service}`);
    if (!match.personalData)
      throw invalid(`/services/${i}`, `${service} carries no personal data: no consent is needed`);
    // A sandbox partner (a startup before promotion) never gets near a real citizen's data.
    if (match.environment !== partner.environment)
      throw invalid(
        `/services/${i}`,
        `${service} is a ${match.environment} service; a ${partner.environment} partner cannot ask for it`,
      );
  });
  const [purpose] = await deps.database.query<{ title_fr: string }>(
    'SELECT title_fr FROM consent_purposes WHERE code = $1',
    [input.purpose],
  );
  if (!purpose) throw invalid('/purpose', 'not a known purpose code (GET /v1/consents/purposes)');
  for (const [service, names] of Object.entries(input.fields ?? {})) {
    if (!services.includes(service))
      throw invalid('/fields', `${service} is not among the services asked for`);
    if (!names.length || !names.every((n) => /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(n)))
      throw invalid('/fields', `name at least one field of ${service}, letters, digits and _ only`);
  }
  if (input.frequency.type === 'recurring' && !(input.frequency.perDay >= 1))
    throw invalid('/frequency/perDay', 'a recurring consent allows at least one call a day');
  const now = deps.clock();
  const id = randomUUID();
  const expiresAt = new Date(
    now.getTime() + (nin ? requestLifetimeDays * 86_400_000 : redirectRequestLifetimeMs),
  );
  await deps.database.transaction(async (session) => {
    await session.query(
      `INSERT INTO consent_requests (id, partner_subsystem_id, partner, nin, flow, items, purpose_code, purpose_text, valid_days,
                                     frequency, data_life_days, status, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $13, $5, $6, $7, $8, $9, $10, 'pending', $11, $12)`,
      [
        id,
        input.partnerSubsystemId,
        partner.client_id,
        nin,
        JSON.stringify(
          services.map((service) => {
            const names = input.fields?.[service];
            return names ? { service, fields: [...new Set(names)] } : { service };
          }),
        ),
        input.purpose,
        input.purposeText ?? purpose.title_fr,
        input.validDays,
        JSON.stringify(input.frequency),
        input.dataLifeDays,
        now,
        expiresAt,
        nin ? 'decoupled' : 'redirect',
      ],
    );
    // The citizen hears of it in the app; written with the request, so it cannot be lost.
    if (nin)
      await session.query(
        `INSERT INTO notify_outbox (id, channel, recipient, template, payload) VALUES ($1, 'push', $2, 'consent-request', $3::jsonb)`,
        [
          randomUUID(),
          nin,
          JSON.stringify({ requestId: id, partner: partner.client_id, purpose: input.purpose }),
        ],
      );
  });
  await deps.audit.record({
    actor,
    action: 'consent.requested',
    subject: { kind: 'consent-request', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: {
      partner: partner.client_id,
      services,
      purpose: input.purpose,
      flow: nin ? 'decoupled' : 'redirect',
    },
  });
  return getRequest(deps, actor, id);
}

async function requestRow(database: Database | SqlSession, id: string): Promise<RequestRow> {
  if (!uuid.test(id)) throw notFound(`No consent request ${id}`);
  const [row] = await database.query<RequestRow>(
    `SELECT r.*, ${partnerNameOf('r')} AS partner_name FROM consent_requests r WHERE r.id = $1`,
    [id],
  );
  if (!row) throw notFound(`No consent request ${id}`);
  return row;
}

/** The partner that asked, or the citizen asked, sees a request; nobody else learns it exists. */
export async function getRequest(deps: ConsentDeps, actor: Actor, id: string): Promise<ConsentRequestInfo> {
  const row = await requestRow(deps.database, id);
  const partner = await partnerSubsystem(deps.database, row.partner_subsystem_id);
  if (
    !(row.nin && isConsentOwner(actor, row.nin)) &&
    !canRequestConsent(actor, partner.organisation_id) &&
    !canAdministerConsent(actor)
  )
    throw notFound(`No consent request ${id}`);
  return requestInfo(row, deps.clock());
}

export async function listPendingRequests(deps: ConsentDeps, actor: Actor & { nin: string }) {
  authorize(actor, isConsentOwner, actor.nin, 'read consent requests');
  const rows = await deps.database.query<RequestRow>(
    `SELECT r.*, ${partnerNameOf('r')} AS partner_name FROM consent_requests r
      WHERE r.nin = $1 AND r.status = 'pending' AND r.expires_at > $2 ORDER BY r.created_at`,
    [actor.nin, deps.clock()],
  );
  return rows.map((r) => requestInfo(r, deps.clock()));
}

export interface ConsentInfo {
  id: string;
  partner: string;
  partnerName: string | null;
  items: Array<{ service: string; fields?: string[] }>;
  purpose: { code: string; text: string };
  validFrom: string;
  validUntil: string;
  frequency: Frequency;
  dataLifeDays: number;
  status: ConsentStatus;
  revision: number;
  uses: number;
  artefact: string;
}

interface ConsentRow {
  id: string;
  nin: string;
  partner_subsystem_id: string;
  partner: string;
  items: Array<{ service: string; fields?: string[] }>;
  purpose_code: string;
  purpose_text: string;
  valid_from: Date;
  valid_until: Date;
  frequency: Frequency;
  data_life_days: number;
  status: ConsentStatus;
  revision: number;
  artefact: string;
  head_hash: string;
  uses: number;
  partner_name?: string | null;
}

const consentInfo = (r: ConsentRow, now: Date): ConsentInfo => ({
  id: r.id,
  partner: r.partner,
  partnerName: r.partner_name ?? null,
  items: r.items,
  purpose: { code: r.purpose_code, text: r.purpose_text },
  validFrom: new Date(r.valid_from).toISOString(),
  validUntil: new Date(r.valid_until).toISOString(),
  frequency: r.frequency,
  dataLifeDays: r.data_life_days,
  status: r.status === 'ACTIVE' && new Date(r.valid_until) <= now ? 'EXPIRED' : r.status,
  revision: r.revision,
  uses: r.uses,
  artefact: r.artefact,
});

function claimsOf(
  r: Omit<ConsentRow, 'artefact' | 'head_hash' | 'uses'>,
  prev: string | null,
  now: Date,
): ArtefactClaims {
  return {
    jti: r.id,
    rev: r.revision,
    prev,
    sub: r.nin,
    partner: r.partner,
    items: r.items,
    purpose: { code: r.purpose_code, text: r.purpose_text },
    nbf: Math.floor(new Date(r.valid_from).getTime() / 1000),
    exp: Math.floor(new Date(r.valid_until).getTime() / 1000),
    frequency: r.frequency,
    dataLifeDays: r.data_life_days,
    status: r.status,
    iat: Math.floor(now.getTime() / 1000),
  };
}

/** The citizen approves (a signed artefact is issued) or denies a pending request. */
export async function decideRequest(
  deps: ConsentDeps,
  actor: Actor & { nin: string },
  id: string,
  decision: 'approve' | 'deny',
  origin?: RequestOrigin,
): Promise<{ request: ConsentRequestInfo; consent: ConsentInfo | null }> {
  const row = await requestRow(deps.database, id);
  if (!row.nin || !isConsentOwner(actor, row.nin)) throw notFound(`No consent request ${id}`);
  return decide(deps, actor, { ...row, nin: row.nin }, decision, origin);
}

async function decide(
  deps: ConsentDeps,
  actor: Actor & { nin: string },
  row: RequestRow & { nin: string },
  decision: 'approve' | 'deny',
  origin?: RequestOrigin,
): Promise<{ request: ConsentRequestInfo; consent: ConsentInfo | null }> {
  const now = deps.clock();
  const id = row.id;
  if (requestInfo(row, now).status !== 'pending')
    throw conflict(`The request is ${requestInfo(row, now).status}`);
  let consentId: string | null = null;
  if (decision === 'approve') {
    consentId = randomUUID();
    const consent = {
      id: consentId,
      nin: row.nin,
      partner_subsystem_id: row.partner_subsystem_id,
      partner: row.partner,
      items: row.items,
      purpose_code: row.purpose_code,
      purpose_text: row.purpose_text,
      valid_from: now,
      valid_until: new Date(now.getTime() + row.valid_days * 86_400_000),
      frequency: row.frequency,
      data_life_days: row.data_life_days,
      status: 'ACTIVE' as const,
      revision: 1,
    };
    const artefact = await signArtefact(deps.key(), claimsOf(consent, null, now));
    await deps.database.transaction(async (session) => {
      const taken = await session.query(
        "UPDATE consent_requests SET status = 'approved', decided_at = $2, consent_id = $3 WHERE id = $1 AND status = 'pending' RETURNING id",
        [id, now, consentId],
      );
      if (!taken.length) throw conflict('The request was decided meanwhile');
      await session.query(
        `INSERT INTO consents (id, nin, partner_subsystem_id, partner, items, purpose_code, purpose_text, valid_from, valid_until,
                               frequency, data_life_days, status, revision, artefact, head_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ACTIVE', 1, $12, $13, $14, $14)`,
        [
          consentId,
          row.nin,
          row.partner_subsystem_id,
          row.partner,
          JSON.stringify(row.items),
          row.purpose_code,
          row.purpose_text,
          consent.valid_from,
          consent.valid_until,
          JSON.stringify(row.frequency),
          row.data_life_days,
          artefact,
          artefactHash(artefact),
          now,
        ],
      );
      await session.query(
        `INSERT INTO consent_revisions (consent_id, revision, status, artefact, hash, prev_hash, changed_at, changed_by)
         VALUES ($1, 1, 'ACTIVE', $2, $3, NULL, $4, $5)`,
        [consentId, artefact, artefactHash(artefact), now, `citizen:${actor.id}`],
      );
    });
  } else {
    const taken = await deps.database.query(
      "UPDATE consent_requests SET status = 'denied', decided_at = $2 WHERE id = $1 AND status = 'pending' RETURNING id",
      [id, now],
    );
    if (!taken.length) throw conflict('The request was decided meanwhile');
  }
  await deps.audit.record({
    actor,
    action: decision === 'approve' ? 'consent.granted' : 'consent.denied',
    subject: { kind: 'consent-request', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { partner: row.partner, ...(consentId ? { consent: consentId } : {}) },
  });
  return {
    request: requestInfo(await requestRow(deps.database, id), now),
    consent: consentId ? consentInfo(await consentRow(deps.database, consentId), now) : null,
  };
}

async function consentRow(database: Database | SqlSession, id: string): Promise<ConsentRow> {
  if (!uuid.test(id)) throw notFound(`No consent ${id}`);
  const [row] = await database.query<ConsentRow>(
    `SELECT c.*, ${partnerNameOf('c')} AS partner_name FROM consents c WHERE c.id = $1`,
    [id],
  );
  if (!row) throw notFound(`No consent ${id}`);
  return row;
}

export async function listConsents(
  deps: ConsentDeps,
  actor: Actor & { nin: string },
): Promise<ConsentInfo[]> {
  authorize(actor, isConsentOwner, actor.nin, 'read consents');
  const rows = await deps.database.query<ConsentRow>(
    `SELECT c.*, ${partnerNameOf('c')} AS partner_name FROM consents c WHERE c.nin = $1 ORDER BY c.created_at DESC`,
    [actor.nin],
  );
  return rows.map((r) => consentInfo(r, deps.clock()));
}

const changes: Record<'pause' | 'resume' | 'revoke', { from: ConsentStatus[]; to: ConsentStatus }> = {
  pause: { from: ['ACTIVE'], to: 'PAUSED' },
  resume: { from: ['PAUSED'], to: 'ACTIVE' },
  revoke: { from: ['ACTIVE', 'PAUSED'], to: 'REVOKED' },
};

/**
 * The citizen pauses, resumes or revokes; each change is a new signed revision naming the previous
 * one. The bridge reads the status on every call, so the change holds on every node at once.
 */
export async function changeConsent(
  deps: ConsentDeps,
  actor: Actor,
  id: string,
  action: keyof typeof changes,
  origin?: RequestOrigin,
): Promise<ConsentInfo> {
  const now = deps.clock();
  const current = await consentRow(deps.database, id);
  if (!isConsentOwner(actor, current.nin) && !canAdministerConsent(actor)) throw notFound(`No consent ${id}`);
  const rule = changes[action];
  const status = consentInfo(current, now).status;
  if (!rule.from.includes(status)) throw conflict(`A ${status} consent cannot be ${action}d`);
  const next = { ...current, status: rule.to, revision: current.revision + 1 };
  const artefact = await signArtefact(deps.key(), claimsOf(next, current.head_hash, now));
  await deps.database.transaction(async (session) => {
    const updated = await session.query(
      `UPDATE consents SET status = $2, revision = $3, artefact = $4, head_hash = $5, updated_at = $6
        WHERE id = $1 AND revision = $7 RETURNING id`,
      [id, rule.to, next.revision, artefact, artefactHash(artefact), now, current.revision],
    );
    if (!updated.length) throw conflict('The consent changed meanwhile; try again');
    await session.query(
      `INSERT INTO consent_revisions (consent_id, revision, status, artefact, hash, prev_hash, changed_at, changed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        next.revision,
        rule.to,
        artefact,
        artefactHash(artefact),
        current.head_hash,
        now,
        `${actor.kind}:${actor.id}`,
      ],
    );
  });
  deps.onChange?.(id);
  await deps.audit.record({
    actor,
    action: `consent.${action}d`,
    subject: { kind: 'consent', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { revision: next.revision },
  });
  return consentInfo(await consentRow(deps.database, id), now);
}

/** The current status, for the partner that holds it, the citizen, or an operator. */
export async function consentStatus(deps: ConsentDeps, actor: Actor, id: string) {
  const row = await consentRow(deps.database, id);
  const partner = await partnerSubsystem(deps.database, row.partner_subsystem_id);
  if (
    !isConsentOwner(actor, row.nin) &&
    !canRequestConsent(actor, partner.organisation_id) &&
    !canAdministerConsent(actor)
  )
    throw notFound(`No consent ${id}`);
  const info = consentInfo(row, deps.clock());
  return {
    id,
    status: info.status,
    revision: info.revision,
    validUntil: info.validUntil,
    artefact: info.artefact,
  };
}

/** What the sign-in page shows the citizen for a redirect request. */
export interface RedirectRequestView {
  id: string;
  status: ConsentRequestInfo['status'];
  partner: string;
  partnerName: string;
  items: Array<{ service: string; title: string; fields?: string[] }>;
  purpose: { code: string; text: string };
  validDays: number;
  frequency: Frequency;
  dataLifeDays: number;
  /** True when the request was answered by another citizen than the one signing in. */
  otherCitizen: boolean;
}

/**
 * A redirect request as the partner's OpenID Connect client may show it: only a request of that
 * client's own organisation, and never one that another citizen has answered.
 */
export async function describeRedirectRequest(
  deps: ConsentDeps,
  id: string,
  organisationId: string | undefined,
  nin: string | undefined,
): Promise<RedirectRequestView | undefined> {
  if (!uuid.test(id) || !organisationId) return undefined;
  const [row] = await deps.database.query<RequestRow>(
    "SELECT * FROM consent_requests WHERE id = $1 AND flow = 'redirect'",
    [id],
  );
  if (!row) return undefined;
  const partner = await partnerSubsystem(deps.database, row.partner_subsystem_id);
  if (partner.organisation_id !== organisationId) return undefined;
  const [org] = await deps.database.query<{ name: string }>('SELECT name FROM organisations WHERE id = $1', [
    organisationId,
  ]);
  const titles = await findServices(
    deps.database,
    row.items.map((i) => i.service),
  );
  const info = requestInfo(row, deps.clock());
  return {
    id,
    status: info.status,
    partner: row.partner,
    partnerName: org?.name ?? row.partner,
    items: row.items.map((item) => ({
      ...item,
      title: titles.get(item.service)?.title ?? item.service,
    })),
    purpose: info.purpose,
    validDays: row.valid_days,
    frequency: row.frequency,
    dataLifeDays: row.data_life_days,
    otherCitizen: row.nin !== null && row.nin !== nin,
  };
}

/**
 * The citizen signing in through the partner's redirect answers its request: the request is bound
 * to them (once: a request answered by one citizen is never shown to another) and then decided.
 */
export async function decideRedirectRequest(
  deps: ConsentDeps,
  actor: Actor & { nin: string },
  id: string,
  organisationId: string | undefined,
  decision: 'approve' | 'deny',
  origin?: RequestOrigin,
) {
  const view = await describeRedirectRequest(deps, id, organisationId, actor.nin);
  if (!view || view.otherCitizen) throw notFound(`No consent request ${id}`);
  if (view.status !== 'pending') throw conflict(`The request is ${view.status}`);
  await deps.database.query(
    "UPDATE consent_requests SET nin = $2 WHERE id = $1 AND flow = 'redirect' AND nin IS NULL AND status = 'pending'",
    [id, actor.nin],
  );
  const row = await requestRow(deps.database, id);
  if (row.nin !== actor.nin) throw conflict('The request was answered meanwhile');
  return decide(deps, actor, { ...row, nin: row.nin }, decision, origin);
}

/**
 * Tells citizens, once, that a consent ends within a week (only consents that last longer than
 * that). One statement: with several nodes sweeping, each consent is reminded exactly once.
 */
export async function remindExpiringConsents(deps: Pick<ConsentDeps, 'database' | 'clock'>): Promise<number> {
  const now = deps.clock();
  const rows = await deps.database.query(
    `WITH due AS (
       UPDATE consents SET reminded_at = $1
        WHERE status = 'ACTIVE' AND reminded_at IS NULL AND valid_until > $1 AND valid_until <= $2
          AND valid_until - valid_from > $3::interval
        RETURNING id, nin, partner, valid_until)
     INSERT INTO notify_outbox (id, channel, recipient, template, payload)
     SELECT gen_random_uuid(), 'push', nin, 'consent-expiring',
            jsonb_build_object('consentId', id, 'partner', partner, 'validUntil', valid_until)
       FROM due RETURNING id`,
    [now, new Date(now.getTime() + reminderLeadMs), `${reminderLeadMs / 1000} seconds`],
  );
  return rows.length;
}
