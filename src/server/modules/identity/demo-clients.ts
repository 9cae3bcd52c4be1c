import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { officeClientId } from './agents.ts';
import { superAppClientId } from './me-routes.ts';
import { cibaGrantType, registerClient } from './oidc/provider.ts';

/** A first-party public client (PKCE, no secret) served at `app.url`, following the URL the platform is reached at. */
function registerFirstPartyClient(
  database: Database,
  kms: KeyManagement,
  app: { clientId: string; name: string; url: string; defaultAcr?: string },
): Promise<void> {
  return registerClient(
    database,
    {
      client_id: app.clientId,
      client_name: app.name,
      redirect_uris: [`${app.url}/callback`],
      post_logout_redirect_uris: [app.url],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(app.defaultAcr ? { default_acr_values: [app.defaultAcr] } : {}),
    },
    kms,
  );
}

/** The citizen super-app at /app: registered at every start. */
export function registerSuperAppClient(
  database: Database,
  publicUrl: string,
  kms: KeyManagement,
): Promise<void> {
  return registerFirstPartyClient(database, kms, {
    clientId: superAppClientId,
    name: 'Jokko',
    url: `${publicUrl}/app`,
  });
}

/**
 * The back-office at /office, registered at every start too; agents sign in at `substantial` at
 * least (password and a second factor), asked for by default.
 */
export function registerOfficeClient(
  database: Database,
  publicUrl: string,
  kms: KeyManagement,
): Promise<void> {
  return registerFirstPartyClient(database, kms, {
    clientId: officeClientId,
    name: 'Jokko — back-office',
    url: `${publicUrl}/office`,
    defaultAcr: 'substantial',
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
  await registerSuperAppClient(database, publicUrl, kms);
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
