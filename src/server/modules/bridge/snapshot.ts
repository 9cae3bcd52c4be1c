import { createPublicKey, type KeyObject } from 'node:crypto';
import { createVerifier, type Verifier } from 'http-message-signatures';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement, WrappedKey } from '../../platform/kms.ts';
import { openBackendToken } from './backend-tokens.ts';
import { formatMemberId, formatServiceId, formatSubsystemId } from './identifiers.ts';

export interface KeyView {
  keyid: string;
  subsystemId: string;
  alg: string;
  publicKey: KeyObject;
  verify: Verifier;
  notAfter: Date | null;
}
export interface SubsystemView {
  id: string;
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM */
  clientId: string;
  memberId: string;
  memberClass: string;
  environment: 'production' | 'sandbox';
  /** Active only when both the member and the subsystem are. */
  active: boolean;
  groupIds: Set<string>;
}
export interface EndpointView {
  id: string;
  method: string;
  path: string;
  enabled: boolean;
  pattern: RegExp;
}
export interface ServiceView {
  id: string;
  serviceId: string;
  subsystemId: string;
  backendUrl: URL;
  backendToken: string | null;
  personalData: boolean;
  timeoutMs: number;
  enabled: boolean;
  environment: 'production' | 'sandbox';
  endpoints: EndpointView[];
}
export interface RightView {
  id: string;
  serviceId: string;
  endpointId: string | null;
  subsystemId: string | null;
  groupId: string | null;
  legalBasis: string | null;
  ratePerSecond: number | null;
  quotaPerDay: number | null;
}

/**
 * What the gateway needs to decide on a request, held in memory so that a call costs no catalogue
 * query. Every change bumps `bridge_state.version` in its transaction; each node polls the
 * version (every 250 ms) and reloads, so a revoked right or a suspended member is enforced by
 * every node within a second.
 */
export interface Snapshot {
  version: number;
  subsystemsByClient: Map<string, SubsystemView>;
  subsystemsById: Map<string, SubsystemView>;
  keys: Map<string, KeyView>;
  services: Map<string, ServiceView>;
  rightsByService: Map<string, RightView[]>;
}

/** An OpenAPI path template as a matcher: /people/{nin} matches /people/1234 but not /people/1/2. */
export function templatePattern(path: string): RegExp {
  const escaped = path
    .split(/(\{[^}/]+\})/)
    .map((part) => (/^\{[^}/]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}

export async function loadSnapshot(database: Database, kms: KeyManagement): Promise<Snapshot> {
  const [state] = await database.query<{ version: string }>('SELECT version FROM bridge_state WHERE id = 1');
  const subsystems = await database.query<{
    id: string;
    code: string;
    status: string;
    member_id: string;
    instance: string;
    member_class: string;
    member_code: string;
    member_status: string;
    environment: 'production' | 'sandbox';
  }>(
    `SELECT s.id, s.code, s.status, m.id AS member_id, m.instance, m.member_class, m.member_code,
            m.status AS member_status, m.environment
       FROM bridge_subsystems s JOIN bridge_members m ON m.id = s.member_id`,
  );
  const groups = await database.query<{ group_id: string; subsystem_id: string }>(
    'SELECT group_id, subsystem_id FROM bridge_group_members',
  );
  const keys = await database.query<{
    keyid: string;
    subsystem_id: string;
    alg: string;
    public_jwk: Record<string, unknown>;
    not_after: Date | null;
  }>('SELECT keyid, subsystem_id, alg, public_jwk, not_after FROM bridge_keys');
  const services = await database.query<{
    id: string;
    subsystem_id: string;
    code: string;
    version: string;
    backend_url: string;
    backend_token: WrappedKey | null;
    personal_data: boolean;
    timeout_ms: number;
    enabled: boolean;
    environment: 'production' | 'sandbox';
  }>(
    'SELECT id, subsystem_id, code, version, backend_url, backend_token_wrapped AS backend_token, personal_data, timeout_ms, enabled, environment FROM bridge_services',
  );
  const endpoints = await database.query<{
    id: string;
    service_id: string;
    method: string;
    path: string;
    enabled: boolean;
  }>('SELECT id, service_id, method, path, enabled FROM bridge_endpoints');
  const rights = await database.query<{
    id: string;
    service_id: string;
    endpoint_id: string | null;
    client_subsystem_id: string | null;
    client_group_id: string | null;
    legal_basis: string | null;
    rate_per_second: number | null;
    quota_per_day: number | null;
  }>(
    `SELECT id, service_id, endpoint_id, client_subsystem_id, client_group_id, legal_basis, rate_per_second, quota_per_day
       FROM bridge_access_rights WHERE revoked_at IS NULL`,
  );

  const snapshot: Snapshot = {
    version: Number(state?.version ?? 0),
    subsystemsByClient: new Map(),
    subsystemsById: new Map(),
    keys: new Map(),
    services: new Map(),
    rightsByService: new Map(),
  };
  for (const s of subsystems) {
    const member = { instance: s.instance, memberClass: s.member_class, memberCode: s.member_code };
    const view: SubsystemView = {
      id: s.id,
      clientId: formatSubsystemId({ ...member, subsystemCode: s.code }),
      memberId: formatMemberId(member),
      memberClass: s.member_class,
      environment: s.environment,
      active: s.status === 'active' && s.member_status === 'active',
      groupIds: new Set(groups.filter((g) => g.subsystem_id === s.id).map((g) => g.group_id)),
    };
    snapshot.subsystemsByClient.set(view.clientId, view);
    snapshot.subsystemsById.set(view.id, view);
  }
  for (const k of keys) {
    const publicKey = createPublicKey({ key: k.public_jwk as never, format: 'jwk' });
    snapshot.keys.set(k.keyid, {
      keyid: k.keyid,
      subsystemId: k.subsystem_id,
      alg: k.alg,
      publicKey,
      verify: createVerifier(publicKey, k.alg),
      notAfter: k.not_after ? new Date(k.not_after) : null,
    });
  }
  for (const s of services) {
    const subsystem = snapshot.subsystemsById.get(s.subsystem_id);
    if (!subsystem) continue;
    const [instance, memberClass, memberCode, subsystemCode] = subsystem.clientId.split('/') as [
      string,
      string,
      string,
      string,
    ];
    const serviceId = formatServiceId({
      instance,
      memberClass,
      memberCode,
      subsystemCode,
      serviceCode: s.code,
      version: s.version,
    });
    snapshot.services.set(serviceId, {
      id: s.id,
      serviceId,
      subsystemId: s.subsystem_id,
      backendUrl: new URL(s.backend_url),
      // Opened once per catalogue load, so a forwarded call costs no KMS operation.
      backendToken: await openBackendToken(kms, s.id, s.backend_token),
      personalData: s.personal_data,
      timeoutMs: s.timeout_ms,
      enabled: s.enabled,
      environment: s.environment,
      endpoints: endpoints
        .filter((e) => e.service_id === s.id)
        .map((e) => ({
          id: e.id,
          method: e.method,
          path: e.path,
          enabled: e.enabled,
          pattern: templatePattern(e.path),
        })),
    });
  }
  for (const r of rights) {
    const list = snapshot.rightsByService.get(r.service_id) ?? [];
    list.push({
      id: r.id,
      serviceId: r.service_id,
      endpointId: r.endpoint_id,
      subsystemId: r.client_subsystem_id,
      groupId: r.client_group_id,
      legalBasis: r.legal_basis,
      ratePerSecond: r.rate_per_second,
      quotaPerDay: r.quota_per_day,
    });
    snapshot.rightsByService.set(r.service_id, list);
  }
  return snapshot;
}

export interface SnapshotHolder {
  current(): Snapshot;
  /** Reload now (after a change made on this node). */
  refresh(): Promise<void>;
  close(): void;
}

export async function createSnapshotHolder(
  database: Database,
  kms: KeyManagement,
  options: { pollMs?: number; onError?: (err: unknown) => void } = {},
): Promise<SnapshotHolder> {
  let snapshot = await loadSnapshot(database, kms);
  let loading: Promise<void> | undefined;
  const reload = async () => {
    loading ??= loadSnapshot(database, kms)
      .then((s) => {
        if (s.version >= snapshot.version) snapshot = s;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
  const timer = setInterval(async () => {
    try {
      const [row] = await database.query<{ version: string }>(
        'SELECT version FROM bridge_state WHERE id = 1',
      );
      if (row && Number(row.version) !== snapshot.version) await reload();
    } catch (err) {
      options.onError?.(err);
    }
  }, options.pollMs ?? 250);
  timer.unref();
  return {
    current: () => snapshot,
    refresh: async () => {
      // A load already under way may have started before the caller's change committed.
      if (loading) await loading.catch(() => undefined);
      await reload();
    },
    close: () => clearInterval(timer),
  };
}
