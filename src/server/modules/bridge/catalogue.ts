import { createPublicKey, randomUUID } from 'node:crypto';
import { Agent } from 'undici';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database, SqlSession } from '../../platform/db/database.ts';
import { type OutboundGuard, OutboundRefused, outboundRefusal } from '../../platform/http/outbound.ts';
import { conflict, invalidInput, notFound, Problem } from '../../platform/http/problems.ts';
import type { KeyManagement, WrappedKey } from '../../platform/kms.ts';
import { authorize } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import { openBackendToken, wrapBackendToken } from './backend-tokens.ts';
import { formatMemberId, formatServiceId, isSegment, memberClassFor } from './identifiers.ts';
import { canAdministerBridge, canManageMember, canReadCatalogue } from './policies.ts';
import type { BridgeKey } from './signing.ts';
import type { SnapshotHolder } from './snapshot.ts';

export interface CatalogueDeps {
  database: Database;
  audit: AuditLog;
  snapshot: SnapshotHolder;
  instance: string;
  clock: () => Date;
  bridgeKey: () => BridgeKey;
  /** Wraps and opens the backend tokens of services. */
  kms: KeyManagement;
  /** Checks subscribers' webhook URLs (no internal destinations). */
  webhooks: OutboundGuard;
  /** Checks services' backend URLs: public, the platform's own host, or a network the operator listed. */
  backends: OutboundGuard;
}

export type KeyAlg = 'ed25519' | 'ecdsa-p256-sha256';
export interface PublicKeyInput {
  keyid: string;
  alg: KeyAlg;
  publicKeyJwk: Record<string, unknown>;
}

const invalid = (pointer: string, detail: string) => invalidInput('body', pointer, detail);

function segmentOrThrow(value: string, pointer: string): string {
  if (!isSegment(value)) throw invalid(pointer, 'letters, digits, dot, dash and underscore only (1 to 64)');
  return value;
}

/** Keeps only the public members of a JWK, after checking that it is the key type the alg names. */
export function publicJwkFor(input: PublicKeyInput, pointer: string): Record<string, string> {
  const jwk = input.publicKeyJwk;
  if ('d' in jwk) throw invalid(`${pointer}/publicKeyJwk`, 'this is a private key: send the public key only');
  const expected = input.alg === 'ed25519' ? { kty: 'OKP', crv: 'Ed25519' } : { kty: 'EC', crv: 'P-256' };
  if (jwk.kty !== expected.kty || jwk.crv !== expected.crv)
    throw invalid(`${pointer}/publicKeyJwk`, `alg ${input.alg} needs a ${expected.kty} ${expected.crv} key`);
  const kept: Record<string, string> =
    input.alg === 'ed25519'
      ? { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) }
      : { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
  try {
    createPublicKey({ key: kept, format: 'jwk' });
  } catch {
    throw invalid(`${pointer}/publicKeyJwk`, 'not a valid public key');
  }
  return kept;
}

const keyidPattern = /^[A-Za-z0-9._:-]{1,100}$/;

async function bumpVersion(session: SqlSession): Promise<void> {
  await session.query('UPDATE bridge_state SET version = version + 1 WHERE id = 1');
}

async function insertKey(
  session: SqlSession,
  subsystemId: string,
  key: PublicKeyInput,
  pointer: string,
  now: Date,
) {
  if (!keyidPattern.test(key.keyid)) throw invalid(`${pointer}/keyid`, 'letters, digits and . _ : - only');
  const jwk = publicJwkFor(key, pointer);
  const existing = await session.query('SELECT 1 FROM bridge_keys WHERE keyid = $1', [key.keyid]);
  if (existing.length) throw conflict(`The keyid ${key.keyid} is already registered`);
  await session.query(
    'INSERT INTO bridge_keys (keyid, subsystem_id, alg, public_jwk, created_at) VALUES ($1, $2, $3, $4, $5)',
    [key.keyid, subsystemId, key.alg, JSON.stringify(jwk), now],
  );
}

interface MemberRow {
  id: string;
  organisation_id: string;
  instance: string;
  member_class: string;
  member_code: string;
  status: string;
  environment: string;
  requested_at: Date;
  decided_at: Date | null;
  status_reason: string | null;
}

export interface MemberView {
  id: string;
  memberId: string;
  organisationId: string;
  organisation: string;
  status: string;
  environment: string;
  statusReason: string | null;
  requestedAt: string;
  decidedAt: string | null;
  subsystems: Array<{ id: string; clientId: string; code: string; status: string; keys: KeyInfo[] }>;
}
export interface KeyInfo {
  keyid: string;
  alg: string;
  createdAt: string;
  notAfter: string | null;
}

async function memberRow(database: Database | SqlSession, id: string): Promise<MemberRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound(`No bridge member ${id}`);
  const [row] = await database.query<MemberRow>('SELECT * FROM bridge_members WHERE id = $1', [id]);
  if (!row) throw notFound(`No bridge member ${id}`);
  return row;
}

async function viewMember(database: Database, row: MemberRow): Promise<MemberView> {
  const [org] = await database.query<{ name: string }>('SELECT name FROM organisations WHERE id = $1', [
    row.organisation_id,
  ]);
  const subsystems = await database.query<{ id: string; code: string; status: string }>(
    'SELECT id, code, status FROM bridge_subsystems WHERE member_id = $1 ORDER BY code',
    [row.id],
  );
  const keys = await database.query<{
    keyid: string;
    subsystem_id: string;
    alg: string;
    created_at: Date;
    not_after: Date | null;
  }>(
    `SELECT k.keyid, k.subsystem_id, k.alg, k.created_at, k.not_after FROM bridge_keys k
       JOIN bridge_subsystems s ON s.id = k.subsystem_id WHERE s.member_id = $1 ORDER BY k.created_at`,
    [row.id],
  );
  const memberId = formatMemberId({
    instance: row.instance,
    memberClass: row.member_class,
    memberCode: row.member_code,
  });
  return {
    id: row.id,
    memberId,
    organisationId: row.organisation_id,
    organisation: org?.name ?? '',
    status: row.status,
    environment: row.environment,
    statusReason: row.status_reason,
    requestedAt: new Date(row.requested_at).toISOString(),
    decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
    subsystems: subsystems.map((s) => ({
      id: s.id,
      clientId: `${memberId}/${s.code}`,
      code: s.code,
      status: s.status,
      keys: keys
        .filter((k) => k.subsystem_id === s.id)
        .map((k) => ({
          keyid: k.keyid,
          alg: k.alg,
          createdAt: new Date(k.created_at).toISOString(),
          notAfter: k.not_after ? new Date(k.not_after).toISOString() : null,
        })),
    })),
  };
}

export interface MembershipRequest {
  /** Organisation id or identifier (e.g. DGID) in the organisations registry. */
  organisation: string;
  subsystems: Array<{ code: string; keys: PublicKeyInput[] }>;
  /** Startups always start in the sandbox; others may ask for it. */
  environment?: 'production' | 'sandbox';
}

/**
 * An organisation asks to join: its member class and code come from the organisations registry,
 * its subsystems arrive with their public keys, so that an operator's approval is the only step
 * left. Nothing can be called before the approval.
 */
export async function requestMembership(
  deps: CatalogueDeps,
  actor: Actor,
  input: MembershipRequest,
  origin?: RequestOrigin,
): Promise<MemberView> {
  const [org] = await deps.database.query<{ id: string; identifier: string; kind: string; status: string }>(
    'SELECT id, identifier, kind, status FROM organisations WHERE identifier = $1 OR id::text = $1',
    [input.organisation],
  );
  authorize(actor, canManageMember, org?.id ?? '', 'request bridge membership for this organisation');
  if (!org) throw notFound(`No organisation ${input.organisation} in the organisations registry`);
  if (org.status !== 'active') throw conflict(`The organisation ${org.identifier} is not active`);
  if (!isSegment(org.identifier)) throw conflict(`The identifier ${org.identifier} cannot be a member code`);
  if (input.subsystems.length === 0) throw invalid('/subsystems', 'at least one subsystem');
  const codes = new Set<string>();
  input.subsystems.forEach((s, i) => {
    segmentOrThrow(s.code, `/subsystems/${i}/code`);
    if (codes.has(s.code)) throw invalid(`/subsystems/${i}/code`, 'subsystem codes must differ');
    codes.add(s.code);
    if (s.keys.length === 0) throw invalid(`/subsystems/${i}/keys`, 'at least one public key');
  });
  const now = deps.clock();
  const id = randomUUID();
  await deps.database.transaction(async (session) => {
    const existing = await session.query('SELECT 1 FROM bridge_members WHERE organisation_id = $1', [org.id]);
    if (existing.length) throw conflict(`${org.identifier} is already a member or has a pending request`);
    await session.query(
      `INSERT INTO bridge_members (id, organisation_id, instance, member_class, member_code, status, requested_at, requested_by,
                                   environment)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)`,
      [
        id,
        org.id,
        deps.instance,
        memberClassFor(org.kind),
        org.identifier,
        now,
        `${actor.kind}:${actor.id}`,
        org.kind === 'startup' ? 'sandbox' : (input.environment ?? 'production'),
      ],
    );
    for (const [i, s] of input.subsystems.entries()) {
      const subsystemId = randomUUID();
      await session.query(
        `INSERT INTO bridge_subsystems (id, member_id, code, status, created_at) VALUES ($1, $2, $3, 'active', $4)`,
        [subsystemId, id, s.code, now],
      );
      for (const [j, key] of s.keys.entries())
        await insertKey(session, subsystemId, key, `/subsystems/${i}/keys/${j}`, now);
    }
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: 'bridge.member.requested',
    subject: { kind: 'bridge-member', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { organisation: org.identifier, subsystems: [...codes] },
  });
  await deps.snapshot.refresh();
  return viewMember(deps.database, await memberRow(deps.database, id));
}

export interface GroupInfo {
  id: string;
  code: string;
  description: string;
  members: string[];
}

async function groupInfo(database: Database, id: string): Promise<GroupInfo> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound(`No group ${id}`);
  const [group] = await database.query<{ id: string; code: string; description: string }>(
    'SELECT id, code, description FROM bridge_groups WHERE id = $1',
    [id],
  );
  if (!group) throw notFound(`No group ${id}`);
  const members = await database.query<{ client_id: string }>(
    `SELECT m.instance || '/' || m.member_class || '/' || m.member_code || '/' || s.code AS client_id
       FROM bridge_group_members g JOIN bridge_subsystems s ON s.id = g.subsystem_id
       JOIN bridge_members m ON m.id = s.member_id WHERE g.group_id = $1 ORDER BY 1`,
    [id],
  );
  return { ...group, members: members.map((m) => m.client_id) };
}

/**
 * Groups of subsystems (e.g. every civil-registry office, every licensed bank) that a provider can
 * grant a right to at once. Operators keep them; membership changes reach every node within a second.
 */
export async function createGroup(
  deps: CatalogueDeps,
  actor: Actor,
  input: { code: string; description: string },
  origin?: RequestOrigin,
): Promise<GroupInfo> {
  authorize(actor, canAdministerBridge, undefined, 'create subsystem groups');
  segmentOrThrow(input.code, '/code');
  const clash = await deps.database.query('SELECT 1 FROM bridge_groups WHERE code = $1', [input.code]);
  if (clash.length) throw conflict(`A group ${input.code} exists`);
  const id = randomUUID();
  await deps.database.query('INSERT INTO bridge_groups (id, code, description) VALUES ($1, $2, $3)', [
    id,
    input.code,
    input.description,
  ]);
  await deps.audit.record({
    actor,
    action: 'bridge.group.created',
    subject: { kind: 'bridge-group', id: input.code },
    outcome: 'success',
    ...(origin ? { origin } : {}),
  });
  return groupInfo(deps.database, id);
}

export async function setGroupMember(
  deps: CatalogueDeps,
  actor: Actor,
  groupId: string,
  subsystemId: string,
  member: boolean,
  origin?: RequestOrigin,
): Promise<GroupInfo> {
  authorize(actor, canAdministerBridge, undefined, 'change subsystem groups');
  const group = await groupInfo(deps.database, groupId);
  const owner = await subsystemOwner(deps.database, subsystemId);
  await deps.database.transaction(async (session) => {
    if (member)
      await session.query(
        'INSERT INTO bridge_group_members (group_id, subsystem_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [groupId, subsystemId],
      );
    else
      await session.query('DELETE FROM bridge_group_members WHERE group_id = $1 AND subsystem_id = $2', [
        groupId,
        subsystemId,
      ]);
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: member ? 'bridge.group.member-added' : 'bridge.group.member-removed',
    subject: { kind: 'bridge-group', id: group.code },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { subsystem: owner.client_id },
  });
  await deps.snapshot.refresh();
  return groupInfo(deps.database, groupId);
}

export async function listGroups(deps: CatalogueDeps, actor: Actor): Promise<GroupInfo[]> {
  authorize(actor, canReadCatalogue, undefined, 'read the bridge catalogue');
  const rows = await deps.database.query<{ id: string }>('SELECT id FROM bridge_groups ORDER BY code');
  return Promise.all(rows.map((r) => groupInfo(deps.database, r.id)));
}

/** A member adds a subsystem (a further application) with its keys; usable at once if the member is active. */
export async function addSubsystem(
  deps: CatalogueDeps,
  actor: Actor,
  memberId: string,
  input: { code: string; keys: PublicKeyInput[] },
  origin?: RequestOrigin,
): Promise<MemberView> {
  const row = await memberRow(deps.database, memberId);
  authorize(actor, canManageMember, row.organisation_id, 'add subsystems to this member');
  segmentOrThrow(input.code, '/code');
  if (input.keys.length === 0) throw invalid('/keys', 'at least one public key');
  const now = deps.clock();
  await deps.database.transaction(async (session) => {
    const clash = await session.query('SELECT 1 FROM bridge_subsystems WHERE member_id = $1 AND code = $2', [
      memberId,
      input.code,
    ]);
    if (clash.length) throw conflict(`The member already has a subsystem ${input.code}`);
    const subsystemId = randomUUID();
    await session.query(
      `INSERT INTO bridge_subsystems (id, member_id, code, status, created_at) VALUES ($1, $2, $3, 'active', $4)`,
      [subsystemId, memberId, input.code, now],
    );
    for (const [j, key] of input.keys.entries())
      await insertKey(session, subsystemId, key, `/keys/${j}`, now);
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: 'bridge.subsystem.added',
    subject: { kind: 'bridge-member', id: memberId },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { code: input.code },
  });
  await deps.snapshot.refresh();
  return viewMember(deps.database, await memberRow(deps.database, memberId));
}

const transitions: Record<string, { from: string[]; to: string }> = {
  approve: { from: ['pending'], to: 'active' },
  reject: { from: ['pending'], to: 'rejected' },
  suspend: { from: ['active'], to: 'suspended' },
  reactivate: { from: ['suspended'], to: 'active' },
  /** From the sandbox to production: the member keeps its status, keys and rights. */
  promote: { from: ['active', 'pending'], to: '' },
};
export type MemberDecision = keyof typeof transitions;

/** Operators approve, reject, suspend and reactivate members; each takes effect on every node within a second. */
export async function decideMembership(
  deps: CatalogueDeps,
  actor: Actor,
  id: string,
  decision: MemberDecision,
  reason: string | undefined,
  origin?: RequestOrigin,
): Promise<MemberView> {
  authorize(actor, canAdministerBridge, undefined, `${decision} bridge members`);
  const rule = transitions[decision];
  if (!rule) throw invalid('/decision', 'unknown decision');
  const now = deps.clock();
  await deps.database.transaction(async (session) => {
    const row = await memberRow(session, id);
    if (!rule.from.includes(row.status)) throw conflict(`A ${row.status} member cannot be ${decision}d`);
    if (decision === 'promote') {
      if (row.environment !== 'sandbox') throw conflict('The member is already in production');
      await session.query("UPDATE bridge_members SET environment = 'production' WHERE id = $1", [id]);
    } else
      await session.query(
        'UPDATE bridge_members SET status = $2, decided_at = $3, decided_by = $4, status_reason = $5 WHERE id = $1',
        [id, rule.to, now, `${actor.kind}:${actor.id}`, reason ?? null],
      );
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: `bridge.member.${decision}`,
    subject: { kind: 'bridge-member', id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: reason ? { reason } : {},
  });
  await deps.snapshot.refresh();
  return viewMember(deps.database, await memberRow(deps.database, id));
}

export async function getMember(deps: CatalogueDeps, actor: Actor, id: string): Promise<MemberView> {
  const row = await memberRow(deps.database, id);
  authorize(actor, canManageMember, row.organisation_id, 'read this membership');
  return viewMember(deps.database, row);
}

export async function listMembers(deps: CatalogueDeps, actor: Actor, status?: string): Promise<MemberView[]> {
  authorize(actor, canAdministerBridge, undefined, 'list bridge members');
  const rows = await deps.database.query<MemberRow>(
    `SELECT * FROM bridge_members ${status ? 'WHERE status = $1' : ''} ORDER BY member_class, member_code`,
    status ? [status] : [],
  );
  return Promise.all(rows.map((r) => viewMember(deps.database, r)));
}

export async function subsystemOwner(database: Database | SqlSession, subsystemId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(subsystemId)) throw notFound(`No subsystem ${subsystemId}`);
  const [row] = await database.query<{ organisation_id: string; member_id: string; client_id: string }>(
    `SELECT m.organisation_id, m.id AS member_id,
            m.instance || '/' || m.member_class || '/' || m.member_code || '/' || s.code AS client_id
       FROM bridge_subsystems s JOIN bridge_members m ON m.id = s.member_id WHERE s.id = $1`,
    [subsystemId],
  );
  if (!row) throw notFound(`No subsystem ${subsystemId}`);
  return row;
}

/**
 * Registers a new public key for a subsystem. With `replaces`, the old key keeps working for the
 * overlap (default one day) so that a member rotates without a failed call.
 */
export async function registerKey(
  deps: CatalogueDeps,
  actor: Actor,
  subsystemId: string,
  input: PublicKeyInput & { replaces?: string; overlapSeconds?: number },
  origin?: RequestOrigin,
): Promise<KeyInfo[]> {
  const owner = await subsystemOwner(deps.database, subsystemId);
  authorize(actor, canManageMember, owner.organisation_id, 'manage the keys of this subsystem');
  const now = deps.clock();
  await deps.database.transaction(async (session) => {
    await insertKey(session, subsystemId, input, '', now);
    if (input.replaces) {
      const until = new Date(now.getTime() + (input.overlapSeconds ?? 86_400) * 1000);
      const updated = await session.query(
        `UPDATE bridge_keys SET not_after = $3 WHERE keyid = $1 AND subsystem_id = $2
           AND (not_after IS NULL OR not_after > $3) RETURNING keyid`,
        [input.replaces, subsystemId, until],
      );
      if (!updated.length) {
        const [known] = await session.query(
          'SELECT 1 FROM bridge_keys WHERE keyid = $1 AND subsystem_id = $2',
          [input.replaces, subsystemId],
        );
        if (!known) throw invalid('/replaces', `no key ${input.replaces} on this subsystem`);
      }
    }
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: 'bridge.key.registered',
    subject: { kind: 'bridge-subsystem', id: owner.client_id },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { keyid: input.keyid, alg: input.alg, ...(input.replaces ? { replaces: input.replaces } : {}) },
  });
  await deps.snapshot.refresh();
  const member = await getMember(deps, actor, owner.member_id);
  return member.subsystems.find((s) => s.id === subsystemId)?.keys ?? [];
}

const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const openApiPath = /^\/[A-Za-z0-9._~{}\-/]*$/;

/** The endpoints (method + path template) an OpenAPI 3 description declares. */
export function endpointsOf(openapi: Record<string, unknown>): Array<{ method: string; path: string }> {
  if (typeof openapi.openapi !== 'string' || !openapi.openapi.startsWith('3.'))
    throw invalid('/openapi/openapi', 'an OpenAPI 3 description is required');
  const paths = openapi.paths;
  if (!paths || typeof paths !== 'object')
    throw invalid('/openapi/paths', 'the description declares no paths');
  const result: Array<{ method: string; path: string }> = [];
  for (const [path, item] of Object.entries(paths as Record<string, unknown>)) {
    if (!openApiPath.test(path) || path.includes('..') || path.includes('//'))
      throw invalid(`/openapi/paths`, `unsupported path template ${JSON.stringify(path)}`);
    for (const method of Object.keys((item ?? {}) as object))
      if (httpMethods.includes(method)) result.push({ method: method.toUpperCase(), path });
  }
  if (!result.length) throw invalid('/openapi/paths', 'the description declares no operations');
  return result;
}

export function checkBackendUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('/backendUrl', 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('/backendUrl', 'http or https only');
  if (url.username || url.password || url.search || url.hash)
    throw invalid('/backendUrl', 'no credentials, query or fragment in the backend URL');
  return url;
}

/** A backend on an internal network the operator did not list is refused; the gateway checks again at each call. */
async function refuseInternalBackend(deps: CatalogueDeps, url: URL): Promise<void> {
  try {
    await deps.backends.check(url);
  } catch (err) {
    if (!(err instanceof OutboundRefused)) throw err;
    const detail = `backend refused: ${err.message}`;
    throw new Problem('validation-failed', detail, {
      errors: [{ in: 'body', pointer: '/backendUrl', detail }],
      reason: err.reason,
    });
  }
}

export interface ServiceInput {
  subsystemId: string;
  code: string;
  version?: string;
  title: string;
  openapi: Record<string, unknown>;
  backendUrl: string;
  /** Sent to the backend as a bearer token; write-only. */
  backendToken?: string;
  personalData: boolean;
  timeoutMs?: number;
  /** A sandbox service answers with synthetic data, for sandbox members. */
  environment?: 'production' | 'sandbox';
}

export interface ServiceInfo {
  id: string;
  serviceId: string;
  title: string;
  provider: string;
  personalData: boolean;
  enabled: boolean;
  environment: string;
  timeoutMs: number;
  endpoints: Array<{ id: string; method: string; path: string; enabled: boolean }>;
}

async function serviceInfo(
  database: Database,
  id: string,
): Promise<ServiceInfo & { organisationId: string }> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound(`No service ${id}`);
  const [row] = await database.query<{
    id: string;
    code: string;
    version: string;
    title: string;
    personal_data: boolean;
    enabled: boolean;
    environment: string;
    timeout_ms: number;
    organisation_id: string;
    instance: string;
    member_class: string;
    member_code: string;
    subsystem_code: string;
  }>(
    `SELECT v.id, v.code, v.version, v.title, v.personal_data, v.enabled, v.environment, v.timeout_ms, m.organisation_id,
            m.instance, m.member_class, m.member_code, s.code AS subsystem_code
       FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id
       JOIN bridge_members m ON m.id = s.member_id WHERE v.id = $1`,
    [id],
  );
  if (!row) throw notFound(`No service ${id}`);
  const endpoints = await database.query<{ id: string; method: string; path: string; enabled: boolean }>(
    'SELECT id, method, path, enabled FROM bridge_endpoints WHERE service_id = $1 ORDER BY path, method',
    [id],
  );
  const subsystem = {
    instance: row.instance,
    memberClass: row.member_class,
    memberCode: row.member_code,
    subsystemCode: row.subsystem_code,
  };
  return {
    id: row.id,
    serviceId: formatServiceId({ ...subsystem, serviceCode: row.code, version: row.version }),
    title: row.title,
    provider: `${formatMemberId(subsystem)}/${row.subsystem_code}`,
    personalData: row.personal_data,
    enabled: row.enabled,
    environment: row.environment,
    timeoutMs: row.timeout_ms,
    endpoints,
    organisationId: row.organisation_id,
  };
}

const publicInfo = ({ organisationId: _o, ...info }: ServiceInfo & { organisationId: string }): ServiceInfo =>
  info;

/** A provider subsystem publishes a service: its OpenAPI description, its backend, and whether it carries personal data. */
export async function registerService(
  deps: CatalogueDeps,
  actor: Actor,
  input: ServiceInput,
  origin?: RequestOrigin,
): Promise<ServiceInfo> {
  const owner = await subsystemOwner(deps.database, input.subsystemId);
  authorize(actor, canManageMember, owner.organisation_id, 'publish services for this subsystem');
  segmentOrThrow(input.code, '/code');
  if (input.version) segmentOrThrow(input.version, '/version');
  const backend = checkBackendUrl(input.backendUrl);
  const endpoints = endpointsOf(input.openapi);
  await refuseInternalBackend(deps, backend);
  const id = randomUUID();
  // Wrapped before the transaction: PGlite's one connection is held by an open transaction.
  const backendToken = await wrapBackendToken(deps.kms, id, input.backendToken);
  await deps.database.transaction(async (session) => {
    const clash = await session.query(
      'SELECT 1 FROM bridge_services WHERE subsystem_id = $1 AND code = $2 AND version = $3',
      [input.subsystemId, input.code, input.version ?? ''],
    );
    if (clash.length) throw conflict(`The service ${input.code} ${input.version ?? ''} already exists`);
    await session.query(
      `INSERT INTO bridge_services (id, subsystem_id, code, version, title, openapi, backend_url, backend_token_wrapped,
                                    personal_data, timeout_ms, enabled, created_at, environment)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $11::jsonb, $8, $9, true, $10, $12)`,
      [
        id,
        input.subsystemId,
        input.code,
        input.version ?? '',
        input.title,
        JSON.stringify(input.openapi),
        backend.href,
        input.personalData,
        input.timeoutMs ?? 30_000,
        deps.clock(),
        backendToken,
        input.environment ?? 'production',
      ],
    );
    for (const e of endpoints)
      await session.query(
        'INSERT INTO bridge_endpoints (id, service_id, method, path, enabled) VALUES ($1, $2, $3, $4, true)',
        [randomUUID(), id, e.method, e.path],
      );
    await bumpVersion(session);
  });
  const info = await serviceInfo(deps.database, id);
  await deps.audit.record({
    actor,
    action: 'bridge.service.registered',
    subject: { kind: 'bridge-service', id: info.serviceId },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { endpoints: endpoints.length, personalData: input.personalData, backend: backend.origin },
  });
  await deps.snapshot.refresh();
  return publicInfo(info);
}

/** Enables or disables one endpoint (method + path template) of a service. */
export async function setEndpointEnabled(
  deps: CatalogueDeps,
  actor: Actor,
  serviceId: string,
  endpoint: { method: string; path: string; enabled: boolean },
  origin?: RequestOrigin,
): Promise<ServiceInfo> {
  const info = await serviceInfo(deps.database, serviceId);
  authorize(actor, canManageMember, info.organisationId, 'change the endpoints of this service');
  await deps.database.transaction(async (session) => {
    const updated = await session.query(
      'UPDATE bridge_endpoints SET enabled = $4 WHERE service_id = $1 AND method = $2 AND path = $3 RETURNING id',
      [serviceId, endpoint.method.toUpperCase(), endpoint.path, endpoint.enabled],
    );
    if (!updated.length) throw notFound(`The service has no endpoint ${endpoint.method} ${endpoint.path}`);
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: endpoint.enabled ? 'bridge.endpoint.enabled' : 'bridge.endpoint.disabled',
    subject: { kind: 'bridge-service', id: info.serviceId },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { method: endpoint.method.toUpperCase(), path: endpoint.path },
  });
  await deps.snapshot.refresh();
  return publicInfo(await serviceInfo(deps.database, serviceId));
}

export async function getServiceOpenApi(deps: CatalogueDeps, actor: Actor, serviceId: string) {
  authorize(actor, canReadCatalogue, undefined, 'read the bridge catalogue');
  const [row] = await deps.database.query<{ openapi: unknown }>(
    'SELECT openapi FROM bridge_services WHERE id = $1',
    [(await serviceInfo(deps.database, serviceId)).id],
  );
  return row?.openapi;
}

export async function listServices(deps: CatalogueDeps, actor: Actor): Promise<ServiceInfo[]> {
  authorize(actor, canReadCatalogue, undefined, 'read the bridge catalogue');
  const rows = await deps.database.query<{ id: string }>(
    `SELECT v.id FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id
       JOIN bridge_members m ON m.id = s.member_id WHERE m.status = 'active'
       ORDER BY m.member_class, m.member_code, s.code, v.code, v.version`,
  );
  return Promise.all(rows.map(async (r) => publicInfo(await serviceInfo(deps.database, r.id))));
}

/** listClients: every active subsystem that can call or be called. */
export async function listClients(deps: CatalogueDeps, actor: Actor) {
  authorize(actor, canReadCatalogue, undefined, 'read the bridge catalogue');
  const rows = await deps.database.query<{ client_id: string; name: string; id: string }>(
    `SELECT s.id, m.instance || '/' || m.member_class || '/' || m.member_code || '/' || s.code AS client_id, o.name
       FROM bridge_subsystems s JOIN bridge_members m ON m.id = s.member_id JOIN organisations o ON o.id = m.organisation_id
      WHERE m.status = 'active' AND s.status = 'active' ORDER BY 2`,
  );
  return rows.map((r) => ({ id: r.id, clientId: r.client_id, organisation: r.name }));
}

export interface RightInput {
  serviceId: string;
  /** Limits the right to one endpoint; absent: the whole service. */
  endpoint?: { method: string; path: string };
  clientSubsystemId?: string;
  clientGroupId?: string;
  legalBasis?: string;
  ratePerSecond?: number;
  quotaPerDay?: number;
}
export interface RightInfo {
  id: string;
  service: string;
  endpoint: { method: string; path: string } | null;
  client: string | null;
  group: string | null;
  legalBasis: string | null;
  ratePerSecond: number | null;
  quotaPerDay: number | null;
  grantedAt: string;
}

async function listRightsWhere(database: Database, where: string, params: unknown[]): Promise<RightInfo[]> {
  const rows = await database.query<{
    id: string;
    service_id: string;
    method: string | null;
    path: string | null;
    client_id: string | null;
    group_code: string | null;
    legal_basis: string | null;
    rate_per_second: number | null;
    quota_per_day: number | null;
    granted_at: Date;
  }>(
    `SELECT r.id, r.service_id, e.method, e.path,
            cm.instance || '/' || cm.member_class || '/' || cm.member_code || '/' || cs.code AS client_id,
            g.code AS group_code, r.legal_basis, r.rate_per_second, r.quota_per_day, r.granted_at
       FROM bridge_access_rights r
       LEFT JOIN bridge_endpoints e ON e.id = r.endpoint_id
       LEFT JOIN bridge_subsystems cs ON cs.id = r.client_subsystem_id
       LEFT JOIN bridge_members cm ON cm.id = cs.member_id
       LEFT JOIN bridge_groups g ON g.id = r.client_group_id
       JOIN bridge_services v ON v.id = r.service_id
      WHERE r.revoked_at IS NULL AND (${where}) ORDER BY r.granted_at`,
    params,
  );
  const services = new Map<string, string>();
  for (const r of rows)
    if (!services.has(r.service_id))
      services.set(r.service_id, (await serviceInfo(database, r.service_id)).serviceId);
  return rows.map((r) => ({
    id: r.id,
    service: services.get(r.service_id) ?? '',
    endpoint: r.method && r.path ? { method: r.method, path: r.path } : null,
    client: r.client_id,
    group: r.group_code,
    legalBasis: r.legal_basis,
    ratePerSecond: r.rate_per_second,
    quotaPerDay: r.quota_per_day,
    grantedAt: new Date(r.granted_at).toISOString(),
  }));
}

/** Deny by default: the provider (or an operator) grants a client subsystem or group a service or one endpoint. */
export async function grantAccessRight(
  deps: CatalogueDeps,
  actor: Actor,
  input: RightInput,
  origin?: RequestOrigin,
): Promise<RightInfo> {
  const info = await serviceInfo(deps.database, input.serviceId);
  authorize(actor, canManageMember, info.organisationId, 'grant access to this service');
  if ((input.clientSubsystemId === undefined) === (input.clientGroupId === undefined))
    throw invalid('/clientSubsystemId', 'name either a client subsystem or a client group');
  let clientClass: string | undefined;
  if (input.clientSubsystemId) {
    const client = await subsystemOwner(deps.database, input.clientSubsystemId);
    clientClass = client.client_id.split('/')[1];
  }
  if (input.clientGroupId) {
    const [group] = await deps.database.query('SELECT 1 FROM bridge_groups WHERE id = $1', [
      input.clientGroupId,
    ]);
    if (!group) throw notFound(`No group ${input.clientGroupId}`);
  }
  if (input.legalBasis && clientClass !== 'GOV')
    throw invalid('/legalBasis', 'a legal basis can only be declared for an administration (class GOV)');
  let endpointId: string | null = null;
  if (input.endpoint) {
    const match = info.endpoints.find(
      (e) => e.method === input.endpoint?.method.toUpperCase() && e.path === input.endpoint?.path,
    );
    if (!match)
      throw invalid(
        '/endpoint',
        `the service has no endpoint ${input.endpoint.method} ${input.endpoint.path}`,
      );
    endpointId = match.id;
  }
  const id = randomUUID();
  await deps.database.transaction(async (session) => {
    await session.query(
      `INSERT INTO bridge_access_rights (id, service_id, endpoint_id, client_subsystem_id, client_group_id, legal_basis,
                                         rate_per_second, quota_per_day, granted_at, granted_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $10, $8, $9)`,
      [
        id,
        input.serviceId,
        endpointId,
        input.clientSubsystemId ?? null,
        input.clientGroupId ?? null,
        input.legalBasis ?? null,
        input.ratePerSecond ?? null,
        deps.clock(),
        `${actor.kind}:${actor.id}`,
        input.quotaPerDay ?? null,
      ],
    );
    await bumpVersion(session);
  });
  const [right] = await listRightsWhere(deps.database, 'r.id = $1', [id]);
  if (!right) throw new Error('granted right not found');
  await deps.audit.record({
    actor,
    action: 'bridge.right.granted',
    subject: { kind: 'bridge-service', id: info.serviceId },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { right: id, client: right.client, group: right.group, endpoint: right.endpoint },
  });
  await deps.snapshot.refresh();
  return right;
}

export async function revokeAccessRight(
  deps: CatalogueDeps,
  actor: Actor,
  rightId: string,
  origin?: RequestOrigin,
): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(rightId)) throw notFound(`No access right ${rightId}`);
  const [row] = await deps.database.query<{ service_id: string }>(
    'SELECT service_id FROM bridge_access_rights WHERE id = $1 AND revoked_at IS NULL',
    [rightId],
  );
  if (!row) throw notFound(`No access right ${rightId}`);
  const info = await serviceInfo(deps.database, row.service_id);
  authorize(actor, canManageMember, info.organisationId, 'revoke access to this service');
  await deps.database.transaction(async (session) => {
    await session.query('UPDATE bridge_access_rights SET revoked_at = $2, revoked_by = $3 WHERE id = $1', [
      rightId,
      deps.clock(),
      `${actor.kind}:${actor.id}`,
    ]);
    await bumpVersion(session);
  });
  await deps.audit.record({
    actor,
    action: 'bridge.right.revoked',
    subject: { kind: 'bridge-service', id: info.serviceId },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { right: rightId },
  });
  await deps.snapshot.refresh();
}

/** Rights are visible to both sides: those on a subsystem's services and those it holds as a client. */
export async function listAccessRights(
  deps: CatalogueDeps,
  actor: Actor,
  subsystemId: string,
): Promise<{ granted: RightInfo[]; held: RightInfo[] }> {
  const owner = await subsystemOwner(deps.database, subsystemId);
  authorize(actor, canManageMember, owner.organisation_id, 'read the access rights of this subsystem');
  return {
    granted: await listRightsWhere(deps.database, 'v.subsystem_id = $1', [subsystemId]),
    held: await listRightsWhere(
      deps.database,
      'r.client_subsystem_id = $1 OR r.client_group_id IN (SELECT group_id FROM bridge_group_members WHERE subsystem_id = $1)',
      [subsystemId],
    ),
  };
}

/** allowedMethods: what a client subsystem may call, endpoint by endpoint. */
export async function allowedMethods(deps: CatalogueDeps, actor: Actor, subsystemId: string) {
  const { held } = await listAccessRights(deps, actor, subsystemId);
  const snapshot = deps.snapshot.current();
  const result: Array<{ service: string; method: string; path: string }> = [];
  for (const right of held) {
    const service = snapshot.services.get(right.service);
    if (!service?.enabled) continue;
    for (const e of service.endpoints)
      if (
        e.enabled &&
        (!right.endpoint || (right.endpoint.method === e.method && right.endpoint.path === e.path))
      )
        result.push({ service: right.service, method: e.method, path: e.path });
  }
  return result;
}

/**
 * The health of a service's backend: a live probe (HEAD on the backend URL, 3 s) and what the
 * message log says of the last 15 minutes. For the provider and operators.
 */
export async function probeService(deps: CatalogueDeps, actor: Actor, serviceId: string) {
  const info = await serviceInfo(deps.database, serviceId);
  authorize(actor, canManageMember, info.organisationId, "check this service's backend");
  const [row] = await deps.database.query<{ backend_url: string; token: WrappedKey | null }>(
    'SELECT backend_url, backend_token_wrapped AS token FROM bridge_services WHERE id = $1',
    [info.id],
  );
  const backendToken = await openBackendToken(deps.kms, info.id, row?.token ?? null);
  const started = performance.now();
  let probe: { reachable: boolean; status: number | null; latencyMs: number; error?: string };
  // Checked like a gateway call: a refused backend is not probed, and the connection goes only to
  // the addresses just checked.
  const agent = new Agent({ connect: { lookup: deps.backends.lookup } });
  try {
    const url = await deps.backends.check(row?.backend_url ?? '');
    const res = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'HEAD',
      headersTimeout: 3000,
      bodyTimeout: 3000,
      ...(backendToken ? { headers: { authorization: `Bearer ${backendToken}` } } : {}),
    });
    await res.body.dump();
    probe = { reachable: true, status: res.statusCode, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const refused = outboundRefusal(err);
    probe = {
      reachable: false,
      status: null,
      latencyMs: Math.round(performance.now() - started),
      error: (refused ? `backend refused: ${refused.message}` : (err as Error).message).slice(0, 200),
    };
  } finally {
    await agent.destroy();
  }
  const since = new Date(deps.clock().getTime() - 15 * 60_000);
  const [recent] = await deps.database.query<{
    calls: string;
    provider_errors: string;
    last_ok: Date | null;
  }>(
    `SELECT count(*) AS calls, count(*) FILTER (WHERE status IN (502, 504)) AS provider_errors,
            max(started_at) FILTER (WHERE status < 500) AS last_ok
       FROM bridge_message_log WHERE service = $1 AND started_at >= $2`,
    [info.serviceId, since],
  );
  return {
    service: info.serviceId,
    checkedAt: deps.clock().toISOString(),
    probe,
    last15Minutes: {
      calls: Number(recent?.calls ?? 0),
      providerErrors: Number(recent?.provider_errors ?? 0),
      lastSuccessAt: recent?.last_ok ? new Date(recent.last_ok).toISOString() : null,
    },
  };
}

/** Calls, errors and latency percentiles per service over a period, from the message log. */
export async function serviceStatistics(deps: CatalogueDeps, actor: Actor, since: Date) {
  authorize(actor, canReadCatalogue, undefined, 'read bridge statistics');
  const rows = await deps.database.query<{
    service: string;
    calls: string;
    errors: string;
    p50: number | null;
    p99: number | null;
  }>(
    `SELECT service, count(*) AS calls, count(*) FILTER (WHERE status >= 400) AS errors,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
       FROM bridge_message_log WHERE started_at >= $1 GROUP BY service ORDER BY service`,
    [since],
  );
  return rows.map((r) => ({
    service: r.service,
    calls: Number(r.calls),
    errors: Number(r.errors),
    p50Ms: r.p50 === null ? null : Math.round(r.p50 * 100) / 100,
    p99Ms: r.p99 === null ? null : Math.round(r.p99 * 100) / 100,
  }));
}

export interface ServiceSummary {
  /** Row id (uuid), what rights and the catalogue API take. */
  id: string;
  serviceId: string;
  title: string;
  personalData: boolean;
  environment: 'production' | 'sandbox';
}

/**
 * The services named by their X-Road identifiers (SN/GOV/DAF/registries/people/v1), looked up by
 * their parts; unknown or malformed identifiers are simply absent from the answer.
 */
export async function findServices(
  database: Database | SqlSession,
  ids: string[],
): Promise<Map<string, ServiceSummary>> {
  const found = new Map<string, ServiceSummary>();
  for (const text of new Set(ids)) {
    const parts = text.split('/');
    if (parts.length < 5 || parts.length > 6 || !parts.every(isSegment)) continue;
    const [instance, memberClass, memberCode, subsystemCode, code, version = ''] = parts;
    const [row] = await database.query<{
      id: string;
      title: string;
      personal_data: boolean;
      environment: 'production' | 'sandbox';
    }>(
      `SELECT v.id, v.title, v.personal_data, v.environment
         FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id JOIN bridge_members m ON m.id = s.member_id
        WHERE m.instance = $1 AND m.member_class = $2 AND m.member_code = $3 AND s.code = $4 AND v.code = $5 AND v.version = $6`,
      [instance, memberClass, memberCode, subsystemCode, code, version],
    );
    if (row)
      found.set(text, {
        id: row.id,
        serviceId: text,
        title: row.title,
        personalData: row.personal_data,
        environment: row.environment,
      });
  }
  return found;
}
