import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import type { AuditLog } from '../audit/index.ts';
import { isSegment, memberClassFor } from './identifiers.ts';
import { referenceSubsystem } from './reference.ts';

export interface SubsystemAccess {
  instance: string;
  /** The administration's identifier (organisations registry), e.g. MJ-CJ. */
  organisation: string;
  /** Subsystem code, e.g. `eservices`. */
  subsystem: string;
  key: { keyid: string; publicJwk: Record<string, unknown> };
  /** Reference services (registry codes) the subsystem reads, each under the legal basis given. */
  registries: string[];
  legalBasis: string;
}

/**
 * A platform module that calls the bridge on an administration's behalf (e-services pre-filling a
 * form for the administration that runs the procedure) gets what a member would ask the operator
 * for: membership of that administration, a subsystem, its key, and rights with a declared legal
 * basis on the reference services it reads. Idempotent; returns the client identifier, the
 * services by registry code, whether anything changed, and whether a change (by this node or
 * another, in the last seconds) may not have reached every gateway yet (their snapshot poll, 250 ms).
 */
export async function ensureSubsystemAccess(
  database: Database,
  audit: AuditLog,
  input: SubsystemAccess,
  now: Date = new Date(),
): Promise<{ client: string; changed: boolean; settling: boolean; services: Record<string, string> }> {
  if (!isSegment(input.subsystem)) throw new Error(`bad subsystem code ${input.subsystem}`);
  let changed = false;
  let settling = false;
  const client = await database.transaction(async (tx) => {
    // Serialised per administration: two first uses at once (two nodes, or two requests) would both
    // find no member and the second insert would fail on its unique organisation.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `bridge-platform-access:${input.organisation}`,
    ]);
    const [org] = await tx.query<{ id: string; identifier: string; kind: string }>(
      'SELECT id, identifier, kind FROM organisations WHERE identifier = $1',
      [input.organisation],
    );
    if (!org || !isSegment(org.identifier)) throw new Error(`no organisation ${input.organisation}`);
    let [member] = await tx.query<{ id: string; member_class: string; member_code: string }>(
      'SELECT id, member_class, member_code FROM bridge_members WHERE organisation_id = $1',
      [org.id],
    );
    if (!member) {
      member = { id: randomUUID(), member_class: memberClassFor(org.kind), member_code: org.identifier };
      await tx.query(
        `INSERT INTO bridge_members (id, organisation_id, instance, member_class, member_code, status, requested_at,
                                     requested_by, decided_at, decided_by, status_reason)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, 'system:platform', $6, 'system:platform', $7)`,
        [
          member.id,
          org.id,
          input.instance,
          member.member_class,
          member.member_code,
          now,
          `platform subsystem ${input.subsystem}`,
        ],
      );
      changed = true;
    }
    let [subsystem] = await tx.query<{ id: string }>(
      'SELECT id FROM bridge_subsystems WHERE member_id = $1 AND code = $2',
      [member.id, input.subsystem],
    );
    if (!subsystem) {
      subsystem = { id: randomUUID() };
      await tx.query(
        `INSERT INTO bridge_subsystems (id, member_id, code, status, created_at) VALUES ($1, $2, $3, 'active', $4)`,
        [subsystem.id, member.id, input.subsystem, now],
      );
      changed = true;
    }
    const keys = await tx.query(
      `INSERT INTO bridge_keys (keyid, subsystem_id, alg, public_jwk, created_at) VALUES ($1, $2, 'ed25519', $3, $4)
       ON CONFLICT (keyid) DO NOTHING RETURNING keyid`,
      [input.key.keyid, subsystem.id, JSON.stringify(input.key.publicJwk), now],
    );
    const rights = await tx.query(
      `INSERT INTO bridge_access_rights (id, service_id, client_subsystem_id, legal_basis, granted_at, granted_by)
       SELECT gen_random_uuid(), v.id, $1, $2, $3, 'system:platform'
         FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id
        WHERE s.code = $4 AND v.code = ANY($5::text[])
          AND NOT EXISTS (SELECT 1 FROM bridge_access_rights r
                           WHERE r.service_id = v.id AND r.client_subsystem_id = $1 AND r.revoked_at IS NULL)
       RETURNING service_id`,
      [subsystem.id, input.legalBasis, now, referenceSubsystem, input.registries],
    );
    if (keys.length || rights.length) changed = true;
    if (changed) await tx.query('UPDATE bridge_state SET version = version + 1 WHERE id = 1');
    // Another node may have granted it a moment ago: the gateways may not have reloaded it yet.
    const [recent] = await tx.query<{ recent: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM bridge_keys WHERE keyid = $1 AND created_at > $3)
           OR EXISTS (SELECT 1 FROM bridge_access_rights WHERE client_subsystem_id = $2 AND granted_at > $3) AS recent`,
      [input.key.keyid, subsystem.id, new Date(now.getTime() - 5000)],
    );
    settling = changed || recent?.recent === true;
    return `${input.instance}/${member.member_class}/${member.member_code}/${input.subsystem}`;
  });
  const published = await database.query<{
    code: string;
    member_class: string;
    member_code: string;
    instance: string;
  }>(
    `SELECT v.code, m.member_class, m.member_code, m.instance FROM bridge_services v
       JOIN bridge_subsystems s ON s.id = v.subsystem_id JOIN bridge_members m ON m.id = s.member_id
      WHERE s.code = $1 AND v.version = 'v1' AND v.code = ANY($2::text[])`,
    [referenceSubsystem, input.registries],
  );
  const services = Object.fromEntries(
    published.map((r) => [
      r.code,
      `${r.instance}/${r.member_class}/${r.member_code}/${referenceSubsystem}/${r.code}/v1`,
    ]),
  );
  if (changed)
    await audit.record({
      actor: { kind: 'system', id: 'platform' },
      action: 'bridge.platform-access.granted',
      subject: { kind: 'bridge-subsystem', id: client },
      outcome: 'success',
      details: { registries: input.registries, legalBasis: input.legalBasis },
    });
  return { client, changed, settling, services };
}
