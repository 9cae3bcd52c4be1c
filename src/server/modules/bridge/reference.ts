import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import type { AuditLog } from '../audit/index.ts';
import { createApiKey } from '../identity/index.ts';
import { wrapBackendToken } from './backend-tokens.ts';
import { formatServiceId, isSegment, memberClassFor } from './identifiers.ts';

/**
 * The reference services: each administration that owns a registry publishes it on the bridge as
 * `{INSTANCE}/GOV/{owner}/registries/{registry}/v1`, backed by the registries API, which accepts
 * only the bridge (a system key with `registries:read` and `registries:write` that the bridge sends
 * as its backend token). All of them carry personal data, so a caller needs consent or a declared
 * legal basis; the only write so far is the owner's renewal of a driving licence.
 */
export const referenceSubsystem = 'registries';

function openapiFor(code: string, title: string) {
  const person = { name: 'nin', in: 'path', required: true, schema: { type: 'string' } };
  const op = (summary: string) => ({
    summary,
    parameters: [person],
    responses: { 200: { description: 'Found' } },
  });
  const paths: Record<string, Record<string, unknown>> = code === 'people'
    ? {
        '/people/{nin}': { get: op('A person') },
        '/people/{nin}/family': { get: op('Parents, spouse, children') },
      }
    : { [`/people/{nin}/${code}`]: { get: op(title) } };
  // The one change a registry owner accepts through the bridge so far: renewing a driving licence
  // (the output of the renewal procedure).
  if (code === 'driving-licences')
    paths['/people/{nin}/driving-licences/{number}/renewal'] = {
      post: {
        summary: 'Renew a driving licence: issued today, valid N years',
        parameters: [person, { name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', properties: { years: { type: 'integer' } } } },
          },
        },
        responses: { 200: { description: 'Renewed' } },
      },
    };
  return { openapi: '3.1.0', info: { title, version: '1' }, paths };
}

/** Each (method, path) of a reference service's description. */
const operationsOf = (openapi: ReturnType<typeof openapiFor>) =>
  Object.entries(openapi.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
  );

export interface ReferenceServices {
  services: string[];
  created: number;
}

/**
 * Publishes (once) every registry of the seeded country as a bridge service of its owner. The backend
 * token is stored wrapped by `options.kms`, the KMS of the configured master key: the gateway opens
 * it with that one.
 */
export async function publishReferenceServices(
  database: Database,
  audit: AuditLog,
  options: { instance: string; registriesUrl: string; kms: KeyManagement; now?: Date },
): Promise<ReferenceServices> {
  const now = options.now ?? new Date();
  const { kms } = options;
  const registries = await database.query<{
    code: string;
    title: string;
    organisation_id: string;
    identifier: string;
    kind: string;
  }>(
    `SELECT r.code, r.title, o.id AS organisation_id, o.identifier, o.kind FROM registries r
       JOIN organisations o ON o.id = r.owner_id WHERE r.code <> 'organisations' ORDER BY r.code`,
  );
  const services: string[] = [];
  let created = 0;
  const published = await database.query<{ count: string | number }>(
    `SELECT count(*) AS count FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id
      WHERE s.code = $1 AND v.version = 'v1'`,
    [referenceSubsystem],
  );
  if (Number(published[0]?.count ?? 0) >= registries.length) {
    // Already published: nothing to create (and no new backend key); follow a changed URL.
    const moved = await database.query(
      `UPDATE bridge_services v SET backend_url = $1 FROM bridge_subsystems s
        WHERE s.id = v.subsystem_id AND s.code = $2 AND v.version = 'v1' AND v.backend_url <> $1 RETURNING v.id`,
      [options.registriesUrl, referenceSubsystem],
    );
    if (moved.length) await database.query('UPDATE bridge_state SET version = version + 1 WHERE id = 1');
    return {
      services: registries.map((r) =>
        formatServiceId({
          instance: options.instance,
          memberClass: memberClassFor(r.kind),
          memberCode: r.identifier,
          subsystemCode: referenceSubsystem,
          serviceCode: r.code,
          version: 'v1',
        }),
      ),
      created: 0,
    };
  }
  // Created before the transactions below: PGlite runs one statement at a time.
  const token = (
    await createApiKey(database.db, {
      label: 'Digital Bridge: reference services backend',
      actor: { kind: 'system', id: 'bridge', roles: ['registries:read', 'registries:write'] },
    })
  ).key;
  for (const registry of registries) {
    if (!isSegment(registry.identifier) || !isSegment(registry.code)) continue;
    const memberClass = memberClassFor(registry.kind);
    const serviceId = formatServiceId({
      instance: options.instance,
      memberClass,
      memberCode: registry.identifier,
      subsystemCode: referenceSubsystem,
      serviceCode: registry.code,
      version: 'v1',
    });
    services.push(serviceId);
    const serviceUuid = randomUUID();
    // Wrapped before the transaction: PGlite's one connection is held by an open transaction.
    const wrappedToken = await wrapBackendToken(kms, serviceUuid, token);
    const made = await database.transaction(async (session) => {
      let [member] = await session.query<{ id: string }>(
        'SELECT id FROM bridge_members WHERE organisation_id = $1',
        [registry.organisation_id],
      );
      if (!member) {
        member = { id: randomUUID() };
        await session.query(
          `INSERT INTO bridge_members (id, organisation_id, instance, member_class, member_code, status, requested_at,
                                       requested_by, decided_at, decided_by, status_reason)
           VALUES ($1, $2, $3, $4, $5, 'active', $6, 'system:seed', $6, 'system:seed', 'registry owner')`,
          [member.id, registry.organisation_id, options.instance, memberClass, registry.identifier, now],
        );
      }
      let [subsystem] = await session.query<{ id: string }>(
        'SELECT id FROM bridge_subsystems WHERE member_id = $1 AND code = $2',
        [member.id, referenceSubsystem],
      );
      if (!subsystem) {
        subsystem = { id: randomUUID() };
        await session.query(
          `INSERT INTO bridge_subsystems (id, member_id, code, status, created_at) VALUES ($1, $2, $3, 'active', $4)`,
          [subsystem.id, member.id, referenceSubsystem, now],
        );
      }
      const exists = await session.query(
        "SELECT 1 FROM bridge_services WHERE subsystem_id = $1 AND code = $2 AND version = 'v1'",
        [subsystem.id, registry.code],
      );
      if (exists.length) return false;
      const openapi = openapiFor(registry.code, registry.title);
      await session.query(
        `INSERT INTO bridge_services (id, subsystem_id, code, version, title, openapi, backend_url, backend_token_wrapped,
                                      personal_data, timeout_ms, enabled, created_at)
         VALUES ($1, $2, $3, 'v1', $4, $5, $6, $7::jsonb, true, 10000, true, $8)`,
        [
          serviceUuid,
          subsystem.id,
          registry.code,
          registry.title,
          JSON.stringify(openapi),
          options.registriesUrl,
          wrappedToken,
          now,
        ],
      );
      for (const { method, path } of operationsOf(openapi))
        await session.query(
          'INSERT INTO bridge_endpoints (id, service_id, method, path, enabled) VALUES ($1, $2, $3, $4, true)',
          [randomUUID(), serviceUuid, method, path],
        );
      await session.query('UPDATE bridge_state SET version = version + 1 WHERE id = 1');
      return true;
    });
    if (made) {
      created++;
      await audit.record({
        actor: { kind: 'system', id: 'seed' },
        action: 'bridge.service.registered',
        subject: { kind: 'bridge-service', id: serviceId },
        outcome: 'success',
        details: { reference: true },
      });
    }
  }
  return { services, created };
}

/**
 * Embedded demo only: an administration that owns no registry joins with the given key and gets
 * every reference service under a declared legal basis, so `jokko bridge call` can be tried at once.
 */
export async function registerDemoBridgeClient(
  database: Database,
  audit: AuditLog,
  options: { instance: string; keyid: string; publicJwk: Record<string, unknown>; now?: Date },
): Promise<string | undefined> {
  const now = options.now ?? new Date();
  const [org] = await database.query<{ id: string; identifier: string }>(
    `SELECT o.id, o.identifier FROM organisations o
      WHERE o.kind = 'administration' AND NOT EXISTS (SELECT 1 FROM registries r WHERE r.owner_id = o.id)
        AND NOT EXISTS (SELECT 1 FROM bridge_members m WHERE m.organisation_id = o.id)
      ORDER BY o.identifier LIMIT 1`,
  );
  if (!org || !isSegment(org.identifier)) return undefined;
  const memberId = randomUUID();
  const subsystemId = randomUUID();
  await database.transaction(async (session) => {
    await session.query(
      `INSERT INTO bridge_members (id, organisation_id, instance, member_class, member_code, status, requested_at,
                                   requested_by, decided_at, decided_by, status_reason)
       VALUES ($1, $2, $3, 'GOV', $4, 'active', $5, 'system:demo', $5, 'system:demo', 'embedded demo client')`,
      [memberId, org.id, options.instance, org.identifier, now],
    );
    await session.query(
      `INSERT INTO bridge_subsystems (id, member_id, code, status, created_at) VALUES ($1, $2, 'demo', 'active', $3)`,
      [subsystemId, memberId, now],
    );
    await session.query(
      "INSERT INTO bridge_keys (keyid, subsystem_id, alg, public_jwk, created_at) VALUES ($1, $2, 'ed25519', $3, $4)",
      [options.keyid, subsystemId, JSON.stringify(options.publicJwk), now],
    );
    await session.query(
      `INSERT INTO bridge_access_rights (id, service_id, client_subsystem_id, legal_basis, granted_at, granted_by)
       SELECT gen_random_uuid(), v.id, $1, 'Demonstration of the reference services (embedded mode)', $2, 'system:demo'
         FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id WHERE s.code = $3`,
      [subsystemId, now, referenceSubsystem],
    );
    await session.query('UPDATE bridge_state SET version = version + 1 WHERE id = 1');
  });
  const clientId = `${options.instance}/GOV/${org.identifier}/demo`;
  await audit.record({
    actor: { kind: 'system', id: 'demo' },
    action: 'bridge.member.approve',
    subject: { kind: 'bridge-member', id: memberId },
    outcome: 'success',
    details: { client: clientId, demo: true },
  });
  return clientId;
}
