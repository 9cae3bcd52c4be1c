import { type Actor, type RequestOrigin, systemActor } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { Problem } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import { getOrganisation } from '../registries/index.ts';
import { findAccountByNin } from './accounts.ts';
import { type ActivationDeps, canAdministerAccounts } from './activation.ts';

/** The back-office app: a first-party public client; its tokens make agents of accounts with agent roles. */
export const officeClientId = 'jokko-office';

export const agentRoles = ['instructor', 'decider'] as const;
export type AgentRole = (typeof agentRoles)[number];

export interface AgentAssignment {
  organisationId: string;
  organisation: string;
  roles: AgentRole[];
}

/**
 * An account works for one administration at a time (the one it was last given roles in); roles
 * elsewhere are removed when it moves, so an agent never carries two administrations' rights.
 */
export async function agentRolesOf(
  database: Database,
  accountId: string,
): Promise<AgentAssignment | undefined> {
  const rows = await database.query<{ organisation_id: string; identifier: string; role: AgentRole }>(
    `SELECT a.organisation_id::text AS organisation_id, o.identifier, a.role
       FROM identity_agent_roles a JOIN organisations o ON o.id = a.organisation_id
      WHERE a.account_id = $1 ORDER BY a.role`,
    [accountId],
  );
  const first = rows[0];
  if (!first) return undefined;
  return {
    organisationId: first.organisation_id,
    organisation: first.identifier,
    roles: rows.filter((r) => r.organisation_id === first.organisation_id).map((r) => r.role),
  };
}

/** Makes an account an agent of an administration with these roles (none: no longer an agent). */
export async function setAgentRoles(
  deps: ActivationDeps & { clock?: () => Date },
  actor: Actor,
  nin: string,
  input: { organisation: string; roles: AgentRole[] },
  origin?: RequestOrigin,
): Promise<{ nin: string; organisation: string; roles: AgentRole[] }> {
  authorize(actor, canAdministerAccounts, undefined, 'manage agents');
  const organisation = await getOrganisation(deps, systemActor('identity'), input.organisation);
  if (organisation.kind !== 'administration')
    throw new Problem('conflict', `${organisation.identifier} is not an administration`);
  const account = await findAccountByNin(deps.database, nin);
  if (!account) throw new Problem('not-found', 'this person has no account: enrol them first');
  const roles = [...new Set(input.roles)];
  const now = deps.clock?.() ?? new Date();
  await deps.database.transaction(async (tx) => {
    await tx.query('DELETE FROM identity_agent_roles WHERE account_id = $1', [account.id]);
    for (const role of roles)
      await tx.query(
        `INSERT INTO identity_agent_roles (account_id, organisation_id, role, granted_at, granted_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [account.id, organisation.id, role, now, `${actor.kind}:${actor.id}`],
      );
  });
  await deps.audit.record({
    actor,
    action: 'identity.agent.roles-set',
    subject: { kind: 'account', id: account.id },
    outcome: 'success',
    details: { organisation: organisation.identifier, roles },
    ...(origin ? { origin } : {}),
  });
  return { nin: account.nin, organisation: organisation.identifier, roles };
}
