import type Provider from 'oidc-provider';
import type { Actor } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { findAccount } from './accounts.ts';

/**
 * A citizen's access token, issued by our provider to an app acting for them (the super-app
 * first), makes the request a citizen actor: the account, its NIN, and the client it went to.
 * Citizen actors hold no roles; each domain policy lets them reach their own data only.
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
  return { kind: 'citizen', id: account.id, nin: account.nin, roles: [], clientId: accessToken.clientId };
}
