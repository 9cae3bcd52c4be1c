import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { conflict, invalidInput, notFound } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import {
  addSubsystem,
  type CatalogueDeps,
  decideMembership,
  findServices,
  grantAccessRight,
  type PublicKeyInput,
  publicJwkFor,
  requestMembership,
} from '../bridge/index.ts';
import { createApiKey, registerClient } from '../identity/index.ts';
import { canAdministerPartners } from './policies.ts';

export interface PartnerDeps {
  database: Database;
  audit: AuditLog;
  catalogue: CatalogueDeps;
  clock: () => Date;
  /** The issuer partners log citizens in with (…/oidc). */
  issuer: string;
}

const invalid = (pointer: string, detail: string) => invalidInput('body', pointer, detail);
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** What the bridge does on the approver's behalf: the audit log names the application and the operator. */
const onboarding: Actor = { kind: 'system', id: 'partners', roles: ['bridge:admin'] };
/** What an approved partner's API key may do: ask citizens for consent, manage its own membership. */
export const partnerRoles = ['consent:request', 'bridge:member'];

export interface PartnerApplicationInput {
  /** The company's identifier in the organisations registry (its NINEA-backed record). */
  organisation: string;
  legalName: string;
  contact: { name: string; email: string; phone?: string };
  /** What it will do with the data, in a few sentences. */
  purpose: string;
  /** Bridge services it wants to call (X-Road identifiers). */
  services: string[];
  /** Its application's subsystem code on the bridge, e.g. `loans`. */
  subsystemCode: string;
  /** Public keys that sign its bridge requests; private keys never leave the partner. */
  keys: PublicKeyInput[];
  /** Where Jokko sends citizens back after "Log in with Jokko". */
  redirectUris: string[];
  environment?: 'production' | 'sandbox';
}

export interface PartnerApplicationView {
  id: string;
  organisation: string;
  legalName: string;
  registeredName: string | null;
  contact: PartnerApplicationInput['contact'];
  purpose: string;
  services: string[];
  subsystemCode: string;
  redirectUris: string[];
  environment: 'production' | 'sandbox';
  status: 'pending' | 'approved' | 'rejected';
  createdAt: string;
  decidedAt: string | null;
  reason: string | null;
  oidcClientId: string | null;
  bridgeClient: string | null;
  subsystemId: string | null;
  credentialsIssued: boolean;
}

interface ApplicationRow {
  id: string;
  organisation_id: string;
  organisation: string;
  legal_name: string;
  contact: PartnerApplicationInput['contact'];
  purpose: string;
  services: string[];
  subsystem_code: string;
  keys: PublicKeyInput[];
  redirect_uris: string[];
  environment: 'production' | 'sandbox';
  status: PartnerApplicationView['status'];
  token_hash: string;
  created_at: Date;
  decided_at: Date | null;
  reason: string | null;
  member_id: string | null;
  subsystem_id: string | null;
  oidc_client_id: string | null;
  credentials_issued_at: Date | null;
  registered_name?: string | null;
  bridge_client?: string | null;
}

const view = (r: ApplicationRow): PartnerApplicationView => ({
  id: r.id,
  organisation: r.organisation,
  legalName: r.legal_name,
  registeredName: r.registered_name ?? null,
  contact: r.contact,
  purpose: r.purpose,
  services: r.services,
  subsystemCode: r.subsystem_code,
  redirectUris: r.redirect_uris,
  environment: r.environment,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
  decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
  reason: r.reason,
  oidcClientId: r.oidc_client_id,
  bridgeClient: r.bridge_client ?? null,
  subsystemId: r.subsystem_id,
  credentialsIssued: r.credentials_issued_at !== null,
});

async function applicationRow(database: Database, id: string): Promise<ApplicationRow> {
  if (!uuid.test(id)) throw notFound(`No partner application ${id}`);
  const [row] = await database.query<ApplicationRow>(
    `SELECT a.*, o.name AS registered_name,
            m.instance || '/' || m.member_class || '/' || m.member_code || '/' || a.subsystem_code AS bridge_client
       FROM partner_applications a JOIN organisations o ON o.id = a.organisation_id
       LEFT JOIN bridge_members m ON m.id = a.member_id
      WHERE a.id = $1`,
    [id],
  );
  if (!row) throw notFound(`No partner application ${id}`);
  return row;
}

/** Loopback http for developers; https everywhere else; no fragments, no credentials in the URL. */
function checkRedirectUri(raw: string, pointer: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(pointer, 'not an absolute URL');
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw invalid(pointer, 'https only (http is accepted for localhost)');
  if (url.hash || url.username || url.password) throw invalid(pointer, 'no fragment and no credentials');
  return url.href;
}

/**
 * A company applies: it must be in the organisations registry (and not be an administration), it
 * says what it wants and why, and it brings its public keys. It gets a follow-up token, shown once,
 * to see the decision and collect its credentials.
 */
export async function applyAsPartner(
  deps: PartnerDeps,
  input: PartnerApplicationInput,
  origin?: RequestOrigin,
): Promise<{ application: PartnerApplicationView; token: string }> {
  const [org] = await deps.database.query<{ id: string; identifier: string; kind: string; status: string }>(
    'SELECT id, identifier, kind, status FROM organisations WHERE identifier = $1',
    [input.organisation],
  );
  if (!org) throw invalid('/organisation', 'not in the organisations registry');
  if (org.kind === 'administration')
    throw invalid('/organisation', 'administrations join the bridge directly, not as partners');
  if (org.status !== 'active') throw invalid('/organisation', 'the organisation is not active');
  input.keys.forEach((k, i) => {
    publicJwkFor(k, `/keys/${i}`);
  });
  const redirectUris = input.redirectUris.map((u, i) => checkRedirectUri(u, `/redirectUris/${i}`));
  const known = await findServices(deps.database, input.services);
  input.services.forEach((s, i) => {
    if (!known.has(s)) throw invalid(`/services/${i}`, `no bridge service ${s}`);
  });
  const environment = org.kind === 'startup' ? 'sandbox' : (input.environment ?? 'production');
  const pending = await deps.database.query(
    "SELECT 1 FROM partner_applications WHERE organisation_id = $1 AND subsystem_code = $2 AND status <> 'rejected'",
    [org.id, input.subsystemCode],
  );
  if (pending.length)
    throw conflict(`${org.identifier} already applied for the subsystem ${input.subsystemCode}`);
  const id = randomUUID();
  const token = `jpa_${randomBytes(32).toString('base64url')}`;
  await deps.database.query(
    `INSERT INTO partner_applications (id, organisation_id, organisation, legal_name, contact, purpose, services, subsystem_code,
                                       keys, redirect_uris, environment, status, token_hash, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13)`,
    [
      id,
      org.id,
      org.identifier,
      input.legalName,
      JSON.stringify(input.contact),
      input.purpose,
      [...new Set(input.services)],
      input.subsystemCode,
      JSON.stringify(input.keys),
      redirectUris,
      environment,
      hashToken(token),
      deps.clock(),
    ],
  );
  await deps.audit.record({
    actor: { kind: 'partner', id: org.identifier },
    action: 'partners.application.submitted',
    subject: { kind: 'partner-application', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { organisation: org.identifier, services: input.services, environment },
  });
  return { application: view(await applicationRow(deps.database, id)), token };
}

/** The applicant follows its application with the token it was given. */
export async function applicationForApplicant(
  deps: PartnerDeps,
  id: string,
  token: string | undefined,
): Promise<ApplicationRow> {
  const row = await applicationRow(deps.database, id).catch(() => undefined);
  const given = Buffer.from(hashToken(token ?? ''));
  if (!row || !token || !timingSafeEqual(given, Buffer.from(row.token_hash)))
    throw notFound(`No partner application ${id}`);
  return row;
}

export async function getApplication(
  deps: PartnerDeps,
  id: string,
  who: { actor?: Actor; token?: string },
): Promise<PartnerApplicationView> {
  if (who.actor && canAdministerPartners(who.actor)) return view(await applicationRow(deps.database, id));
  return view(await applicationForApplicant(deps, id, who.token));
}

export async function listApplications(
  deps: PartnerDeps,
  actor: Actor,
  status?: PartnerApplicationView['status'],
): Promise<PartnerApplicationView[]> {
  authorize(actor, canAdministerPartners, undefined, 'review partner applications');
  const rows = await deps.database.query<{ id: string }>(
    `SELECT id FROM partner_applications ${status ? 'WHERE status = $1' : ''} ORDER BY created_at`,
    status ? [status] : [],
  );
  return Promise.all(rows.map(async (r) => view(await applicationRow(deps.database, r.id))));
}

/**
 * A partner logs citizens in by code flow; its subjects are pairwise (unlinkable across partners).
 * CIBA is left out: with pairwise subjects it requires private_key_jwt client authentication, which
 * partner onboarding does not collect yet.
 */
const registerPartnerClient = (deps: PartnerDeps, row: ApplicationRow, clientId: string, secret: string) =>
  registerClient(
    deps.database,
    {
      client_id: clientId,
      client_secret: secret,
      client_name: row.registered_name ?? row.legal_name,
      redirect_uris: row.redirect_uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      subject_type: 'pairwise',
    },
    deps.catalogue.kms,
  );

const clientIdFor = (row: ApplicationRow) =>
  `${row.organisation.toLowerCase()}-${row.subsystem_code.toLowerCase()}`.replace(/[^a-z0-9-]/g, '-');

/**
 * An operator approves or rejects. Approval makes the company a bridge member (or adds a
 * subsystem to its membership) in the environment decided, registers its keys, grants the services
 * asked for in that environment, and registers its OpenID Connect client. Secrets are made only
 * when the applicant collects them.
 */
export async function decideApplication(
  deps: PartnerDeps,
  actor: Actor,
  id: string,
  input: { decision: 'approve' | 'reject'; reason?: string; environment?: 'production' | 'sandbox' },
  origin?: RequestOrigin,
): Promise<PartnerApplicationView> {
  authorize(actor, canAdministerPartners, undefined, 'decide partner applications');
  const row = await applicationRow(deps.database, id);
  if (row.status !== 'pending') throw conflict(`The application is already ${row.status}`);
  const now = deps.clock();
  if (input.decision === 'reject') {
    await deps.database.query(
      "UPDATE partner_applications SET status = 'rejected', decided_at = $2, decided_by = $3, reason = $4 WHERE id = $1 AND status = 'pending'",
      [id, now, `${actor.kind}:${actor.id}`, input.reason ?? null],
    );
  } else {
    const environment = input.environment ?? row.environment;
    const [member] = await deps.database.query<{ id: string; status: string; environment: string }>(
      'SELECT id, status, environment FROM bridge_members WHERE organisation_id = $1',
      [row.organisation_id],
    );
    let memberView: Awaited<ReturnType<typeof requestMembership>>;
    if (member) {
      if (member.status !== 'active')
        throw conflict(`The organisation's bridge membership is ${member.status}`);
      memberView = await addSubsystem(
        deps.catalogue,
        onboarding,
        member.id,
        { code: row.subsystem_code, keys: row.keys },
        origin,
      );
    } else {
      const requested = await requestMembership(
        deps.catalogue,
        onboarding,
        {
          organisation: row.organisation,
          subsystems: [{ code: row.subsystem_code, keys: row.keys }],
          environment,
        },
        origin,
      );
      memberView = await decideMembership(
        deps.catalogue,
        onboarding,
        requested.id,
        'approve',
        `partner application ${id}`,
        origin,
      );
    }
    const subsystem = memberView.subsystems.find((s) => s.code === row.subsystem_code);
    if (!subsystem) throw new Error('the approved subsystem is missing');
    const memberEnvironment = member ? member.environment : memberView.environment;
    const services = await findServices(deps.database, row.services);
    for (const service of services.values())
      if (service.environment === memberEnvironment)
        await grantAccessRight(
          deps.catalogue,
          onboarding,
          { serviceId: service.id, clientSubsystemId: subsystem.id },
          origin,
        );
    const clientId = clientIdFor(row);
    // Nobody knows this secret: the applicant's is made when it collects its credentials.
    await registerPartnerClient(deps, row, clientId, randomBytes(32).toString('base64url'));
    await deps.database.query(
      `UPDATE partner_applications SET status = 'approved', decided_at = $2, decided_by = $3, reason = $4, environment = $5,
              member_id = $6, subsystem_id = $7, oidc_client_id = $8 WHERE id = $1`,
      [
        id,
        now,
        `${actor.kind}:${actor.id}`,
        input.reason ?? null,
        memberEnvironment,
        memberView.id,
        subsystem.id,
        clientId,
      ],
    );
  }
  await deps.audit.record({
    actor,
    action: input.decision === 'approve' ? 'partners.application.approved' : 'partners.application.rejected',
    subject: { kind: 'partner-application', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { organisation: row.organisation, ...(input.reason ? { reason: input.reason } : {}) },
  });
  return view(await applicationRow(deps.database, id));
}

export interface PartnerCredentials {
  apiKey: string;
  oidc: { issuer: string; clientId: string; clientSecret: string; redirectUris: string[] };
  bridge: { client: string; subsystemId: string; keyids: string[]; environment: 'production' | 'sandbox' };
}

/**
 * The approved applicant collects its secrets, once: an API key for the partner API (consent
 * requests, its own membership) and its OpenID Connect client secret. Only hashes are kept; a lost
 * secret is replaced by an operator, never shown again.
 */
export async function collectCredentials(
  deps: PartnerDeps,
  id: string,
  token: string | undefined,
  origin?: RequestOrigin,
): Promise<PartnerCredentials> {
  const row = await applicationForApplicant(deps, id, token);
  if (row.status !== 'approved' || !row.oidc_client_id || !row.subsystem_id || !row.bridge_client)
    throw conflict(`The application is ${row.status}: there is nothing to collect`);
  const claimed = await deps.database.query(
    'UPDATE partner_applications SET credentials_issued_at = $2 WHERE id = $1 AND credentials_issued_at IS NULL RETURNING id',
    [id, deps.clock()],
  );
  if (!claimed.length)
    throw conflict('The credentials were already collected; ask an operator to replace them');
  const clientSecret = randomBytes(32).toString('base64url');
  await registerPartnerClient(deps, row, row.oidc_client_id, clientSecret);
  const { id: keyId, key } = await createApiKey(deps.database.db, {
    label: `partner ${row.organisation} (${row.subsystem_code})`,
    actor: {
      kind: 'partner',
      id: row.organisation,
      roles: partnerRoles,
      organisationId: row.organisation_id,
    },
  });
  await deps.database.query('UPDATE partner_applications SET api_key_id = $2 WHERE id = $1', [id, keyId]);
  await deps.audit.record({
    actor: { kind: 'partner', id: row.organisation },
    action: 'partners.credentials.collected',
    subject: { kind: 'partner-application', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { apiKey: keyId, oidcClient: row.oidc_client_id },
  });
  return {
    apiKey: key,
    oidc: {
      issuer: deps.issuer,
      clientId: row.oidc_client_id,
      clientSecret,
      redirectUris: row.redirect_uris,
    },
    bridge: {
      client: row.bridge_client,
      subsystemId: row.subsystem_id,
      keyids: row.keys.map((k) => k.keyid),
      environment: row.environment,
    },
  };
}

/** The organisation an approved partner's OpenID Connect client belongs to. */
export async function organisationOfClient(
  database: Database,
  clientId: string,
): Promise<string | undefined> {
  const [row] = await database.query<{ organisation_id: string }>(
    "SELECT organisation_id FROM partner_applications WHERE oidc_client_id = $1 AND status = 'approved'",
    [clientId],
  );
  return row?.organisation_id;
}
