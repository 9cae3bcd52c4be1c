import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';
import type { CountryProfile } from '../../../../shared/countries/index.ts';
import { systemActor } from '../../../platform/actor.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { AuditLog } from '../../audit/index.ts';
import { getPerson } from '../../registries/index.ts';
import { findAccount } from '../accounts.ts';
import { databaseAdapter } from './adapter.ts';

export interface OidcDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
  publicUrl: string;
  trustProxy: boolean;
}

/** The signing key, created once and shared by every node through the database. */
async function signingKeys(database: Database): Promise<JWK[]> {
  const rows = await database.query<{ private_jwk: JWK }>(
    'SELECT private_jwk FROM oidc_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC',
  );
  if (rows.length) return rows.map((r) => r.private_jwk);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig' };
  const kid = createHmac('sha256', 'kid').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
  // Two nodes starting together: the first insert wins and both read it back.
  await database.query(
    'INSERT INTO oidc_signing_keys (kid, private_jwk) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING',
    [kid, JSON.stringify({ ...jwk, kid })],
  );
  return (
    await database.query<{ private_jwk: JWK }>(
      'SELECT private_jwk FROM oidc_signing_keys WHERE retired_at IS NULL ORDER BY created_at',
    )
  ).map((r) => r.private_jwk);
}

export const supportedScopes = ['openid', 'offline_access', 'profile', 'address', 'phone', 'email', 'nin'];

export async function createOidcProvider(deps: OidcDeps): Promise<Provider> {
  const keys = await signingKeys(deps.database);
  // Cookie signing keys derive from the shared signing key, so every node agrees on them.
  const cookieKey = createHmac('sha256', String(keys[0]!.d)).update('jokko-oidc-cookies').digest('base64url');
  const configuration: Configuration = {
    adapter: databaseAdapter(deps.database),
    jwks: { keys } as Configuration['jwks'],
    cookies: { keys: [cookieKey], long: { signed: true }, short: { signed: true } },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
    },
    scopes: supportedScopes,
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'birthdate', 'gender'],
      address: ['address'],
      phone: ['phone_number', 'phone_number_verified'],
      email: ['email', 'email_verified'],
      nin: ['nin'],
    },
    acrValues: ['low', 'substantial', 'high'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = await findAccount(deps.database, id);
      if (!account) return undefined;
      return {
        accountId: account.id,
        async claims() {
          // Claims come from the population register at release time, never from a copy.
          const person = await getPerson(deps, systemActor('identity'), account.nin);
          return {
            sub: account.id,
            nin: person.nin,
            name: `${person.givenNames} ${person.familyName}`,
            given_name: person.givenNames,
            family_name: person.familyName,
            birthdate: person.birthDate,
            gender: person.sex,
            address: {
              street_address: person.address.line,
              locality: person.address.locality,
              region: person.address.regionCode,
              country: deps.country.code,
            },
            ...(person.phone ? { phone_number: person.phone, phone_number_verified: false } : {}),
            ...(person.email ? { email: person.email, email_verified: false } : {}),
          };
        },
      };
    },
  };
  const provider = new Provider(`${deps.publicUrl}/oidc`, configuration);
  provider.proxy = deps.trustProxy;
  return provider;
}

/** Registers (or updates) a relying party; operators do this, and the seed adds the demo ones. */
export async function registerClient(database: Database, metadata: ClientMetadata): Promise<void> {
  await database.query(
    `INSERT INTO oidc_payloads (model, id, payload) VALUES ('Client', $1, $2::jsonb)
     ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload`,
    [metadata.client_id, JSON.stringify(metadata)],
  );
}
