import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { officeClientId } from './agents.ts';
import { superAppClientId } from './me-routes.ts';
import { cibaGrantType, registerClient } from './oidc/provider.ts';

/**
 * The citizen super-app, a first-party public client (PKCE, no secret) served at /app: registered
 * at every start, following the URL the platform is reached at.
 */
export async function registerSuperAppClient(database: Database, publicUrl: string): Promise<void> {
  await registerClient(database, {
    client_id: superAppClientId,
    client_name: 'Jokko',
    redirect_uris: [`${publicUrl}/app/callback`],
    post_logout_redirect_uris: [`${publicUrl}/app`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
}

/**
 * The back-office at /office, a first-party public client too; agents sign in at `substantial` at
 * least (password and a second factor), asked for by default.
 */
export async function registerOfficeClient(database: Database, publicUrl: string): Promise<void> {
  await registerClient(database, {
    client_id: officeClientId,
    client_name: 'Jokko — back-office',
    redirect_uris: [`${publicUrl}/office/callback`],
    post_logout_redirect_uris: [`${publicUrl}/office`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    default_acr_values: ['substantial'],
  });
}

/**
 * The relying parties every demo country has: the super-app and a bank that logs citizens in by
 * code flow or by "approve on your phone" (CIBA, poll).
 */
export async function registerDemoClients(
  database: Database,
  publicUrl: string,
  bank: { clientId: string; clientSecret: string; redirectUri: string },
  kms: KeyManagement,
): Promise<void> {
  await registerSuperAppClient(database, publicUrl);
  await registerClient(
    database,
    {
      client_id: bank.clientId,
      client_secret: bank.clientSecret,
      client_name: 'Banque Teranga (démo)',
      redirect_uris: [bank.redirectUri],
      grant_types: ['authorization_code', 'refresh_token', cibaGrantType],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      backchannel_token_delivery_mode: 'poll',
    },
    kms,
  );
}
