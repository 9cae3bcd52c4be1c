import type Provider from 'oidc-provider';
import type { Actor } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { findAccount } from './accounts.ts';
import { agentRolesOf, officeClientId } from './agents.ts';

/**
 * A citizen's access token, issued by our provider to an app acting for them (the super-app
 * first), makes the request a citizen actor: the account, its NIN, the client it went to and the
 * level of assurance of the sign-in. Citizen actors hold no roles; each domain policy lets them
 * reach their own data only. The same token issued to the back-office client makes an agent of an
 * account that holds agent roles: its administration and roles come from identity_agent_roles.
 */
export async function authenticateAccessToken(
  provider: Provider,
  database: Database,
  token: string,
): Promise<Actor | undefined> {
  if (!/^[A-Za-z0-9_-]{20,128}$/.test(token)) return undefined;
  const accessToken = await provider.AccessToken.find(token);
  if (!accessToken?.accountId || accessToken.isExpired) return undefined;
  const account = await findAccount(database, accessToken.accountId);
  if (account?.status !== 'active') return undefined;
  const acr = (accessToken.extra as { acr?: unknown } | undefined)?.acr;
  const actor: Actor = {
    kind: 'citizen',
    id: account.id,
    nin: account.nin,
    roles: [],
    clientId: accessToken.clientId,
    ...(typeof acr === 'string' ? { acr } : {}),
  };
  if (accessToken.clientId !== officeClientId) return actor;
  const agent = await agentRolesOf(database, account.id);
  return agent
    ? {
        ...actor,
        kind: 'agent',
        organisationId: agent.organisationId,
        roles: agent.roles.map((r) => `eservices:${r}`),
      }
    : actor;
}
