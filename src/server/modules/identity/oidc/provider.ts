import { createHmac, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, {
  type AdapterPayload,
  type ClientMetadata,
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { CountryProfile } from '../../../../shared/countries/index.ts';
import { validateNationalId } from '../../../../shared/countries/index.ts';
import { systemActor } from '../../../platform/actor.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { KeyManagement, WrappedKey } from '../../../platform/kms.ts';
import { type SecretColumn, secretContext, unwrapStored } from '../../../platform/secrets-at-rest.ts';
import type { AuditLog } from '../../audit/index.ts';
import { getPerson } from '../../registries/index.ts';
import { findAccount, findAccountByNin } from '../accounts.ts';
import { acrRank, requiredAcr } from '../factors.ts';
import { databaseAdapter, sealPayload } from './adapter.ts';
import { type DataRequestPort, dataRequestParam } from './data-requests.ts';
import { loggedOutPage, logoutPage, type PageContext, pickLanguage, translator } from './pages.ts';

export interface OidcDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
  publicUrl: string;
  trustProxy: boolean;
  /** Wraps the provider's signing keys, shared secrets and TOTP secrets at rest. */
  kms: KeyManagement;
  /** Partners' requests for data answered during sign-in (the redirect flow of consent). */
  dataRequests?: DataRequestPort;
}

const oidcKeyContext = (kid: string) => secretContext('oidc_signing_keys', 'private_key', kid);

/** Signing keys, newest first: the first signs, the others stay published until retired. */
export async function signingKeys(database: Database, kms: KeyManagement): Promise<JWK[]> {
  const read = async () =>
    database.query<{ kid: string; private_key_wrapped: WrappedKey | null }>(
      'SELECT kid, private_key_wrapped FROM oidc_signing_keys WHERE retired_at IS NULL ORDER BY activated_at DESC, kid',
    );
  let rows = await read();
  if (!rows.length) {
    await addSigningKey(database, kms, true);
    rows = await read();
  }
  const keys: JWK[] = [];
  for (const row of rows) {
    const json = Buffer.from(await unwrapStored(kms, row.private_key_wrapped, oidcKeyContext(row.kid)));
    keys.push(JSON.parse(json.toString('utf8')) as JWK);
    json.fill(0);
  }
  return keys;
}

/**
 * Adds a signing key. Nodes pick it up when they restart (a rolling restart, so no downtime); the
 * previous key stays in the JWKS, so tokens it signed still verify until it is retired.
 */
export async function addSigningKey(
  database: Database,
  kms: KeyManagement,
  onlyIfNone = false,
): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig' };
  const kid = createHmac('sha256', 'kid').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
  const plaintext = Buffer.from(JSON.stringify({ ...jwk, kid }), 'utf8');
  const wrapped = await kms.wrap(plaintext, oidcKeyContext(kid)).finally(() => plaintext.fill(0));
  // Two nodes starting together on an empty database: one insert wins, both read it back.
  await database.query(
    onlyIfNone
      ? `INSERT INTO oidc_signing_keys (kid, private_key_wrapped) SELECT $1, $2::jsonb
          WHERE NOT EXISTS (SELECT 1 FROM oidc_signing_keys WHERE retired_at IS NULL)`
      : 'INSERT INTO oidc_signing_keys (kid, private_key_wrapped) VALUES ($1, $2::jsonb)',
    [kid, JSON.stringify(wrapped)],
  );
  return kid;
}

/** Retires every key but the newest `keep`: they leave the JWKS at the next restart. */
export async function retireSigningKeys(database: Database, keep = 1): Promise<string[]> {
  const rows = await database.query<{ kid: string }>(
    `UPDATE oidc_signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid NOT IN (
       SELECT kid FROM oidc_signing_keys WHERE retired_at IS NULL ORDER BY activated_at DESC, kid LIMIT $1)
     RETURNING kid`,
    [keep],
  );
  return rows.map((r) => r.kid);
}

const sharedSecretContext = (name: string) => secretContext('identity_secrets', 'secret', name);

/** Where the shared secrets are stored wrapped (start-up checks, master-key rotation). */
export const identitySecretsColumn: SecretColumn = {
  table: 'identity_secrets',
  key: ['name'],
  wrapped: 'secret_wrapped',
  context: (row) => sharedSecretContext(row.name!),
  // Before 20261129120000 the bytes were kept in clear in secret.
  clear: { column: 'secret', bytes: (secret) => Buffer.from(secret as Uint8Array) },
};

/** A secret every node shares, created by the first node that needs it. */
async function sharedSecret(database: Database, kms: KeyManagement, name: string): Promise<Buffer> {
  const fresh = randomBytes(32);
  const wrapped = await kms.wrap(fresh, sharedSecretContext(name)).finally(() => fresh.fill(0));
  await database.query(
    'INSERT INTO identity_secrets (name, secret_wrapped) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
    [name, JSON.stringify(wrapped)],
  );
  const [row] = await database.query<{ secret_wrapped: WrappedKey | null }>(
    'SELECT secret_wrapped FROM identity_secrets WHERE name = $1',
    [name],
  );
  return Buffer.from(await unwrapStored(kms, row?.secret_wrapped, sharedSecretContext(name)));
}

export const supportedScopes = ['openid', 'offline_access', 'profile', 'address', 'phone', 'email', 'nin'];

/** The acr a request needs: its acr_values, else the client's default_acr_values, else low. */
export function requestedAcr(ctx: KoaContextWithOIDC) {
  return requiredAcr(
    ctx.oidc.params?.acr_values as string | undefined,
    ctx.oidc.client?.defaultAcrValues as string[] | undefined,
  );
}

/**
 * The login prompt gains one check: a session whose level of assurance is below what the relying
 * party asks for goes back to the login pages for a step-up (a second factor, not a new login).
 */
function loginPolicy(deps: OidcDeps) {
  const policy = interactionPolicy.base();
  // A partner's data request named in the authorization request is answered on the consent page,
  // by the citizen who signed in; an unknown request, another partner's, or one answered by someone
  // else ends the flow with an error to the partner.
  policy.get('consent')!.checks.add(
    new interactionPolicy.Check(
      'data_request',
      'the citizen has not answered the data request',
      async (ctx) => {
        const requestId = ctx.oidc.params?.[dataRequestParam];
        if (!requestId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const accountId = ctx.oidc.session?.accountId;
        const account = accountId ? await findAccount(deps.database, accountId) : undefined;
        const summary = await deps.dataRequests?.describe(
          String(requestId),
          String(ctx.oidc.client?.clientId),
          account?.nin,
        );
        if (!summary || summary.otherCitizen)
          throw new errors.InvalidRequest(`${dataRequestParam}: no such request for this client`);
        if (summary.status === 'pending') return interactionPolicy.Check.REQUEST_PROMPT;
        if (summary.status === 'approved') return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        throw new errors.AccessDenied(`the data request is ${summary.status}`);
      },
    ),
  );
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'acr_step_up',
      'the session does not meet the requested level of assurance',
      (ctx) => {
        const session = ctx.oidc.session;
        if (!session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const have = acrRank[(session.acr as keyof typeof acrRank) ?? 'low'] ?? 0;
        return acrRank[requestedAcr(ctx)] > have
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
      (ctx) => ({ requested: requestedAcr(ctx), current: ctx.oidc.session?.acr ?? null }),
    ),
  );
  return policy;
}

export interface OidcRuntime {
  provider: Provider;
  /** Key for the interaction forms' CSRF tokens, the same on every node. */
  formKey: Buffer;
}

export const cibaGrantType = 'urn:openid:params:grant-type:ciba';

export async function createOidcProvider(deps: OidcDeps): Promise<OidcRuntime> {
  const keys = await signingKeys(deps.database, deps.kms);
  const cookieKey = (await sharedSecret(deps.database, deps.kms, 'oidc-cookies')).toString('base64url');
  const formKey = await sharedSecret(deps.database, deps.kms, 'interaction-forms');
  const pairwiseSalt = await sharedSecret(deps.database, deps.kms, 'pairwise-sub');
  const configuration: Configuration = {
    adapter: databaseAdapter(deps.database, deps.kms),
    jwks: { keys } as Configuration['jwks'],
    cookies: { keys: [cookieKey], long: { signed: true }, short: { signed: true } },
    pkce: { required: () => true },
    extraParams: [dataRequestParam],
    interactions: {
      policy: loginPolicy(deps),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    subjectTypes: ['public', 'pairwise'],
    // A pairwise sub is stable for one sector (the redirect URIs' host) and unlinkable across
    // sectors: two banks cannot join their customer lists on it.
    pairwiseIdentifier(_ctx, accountId, client) {
      return createHmac('sha256', pairwiseSalt)
        .update(`${client.sectorIdentifier}\u0000${accountId}`)
        .digest('base64url');
    },
    ttl: {
      AccessToken: 10 * 60,
      AuthorizationCode: 60,
      BackchannelAuthenticationRequest: 5 * 60,
      ClientCredentials: 10 * 60,
      IdToken: 10 * 60,
      Interaction: 15 * 60,
      Grant: 365 * 24 * 3600,
      // A national identity session lasts a working day at most.
      Session: 8 * 3600,
      RefreshToken: 30 * 24 * 3600,
    },
    rotateRefreshToken: true,
    // The level of assurance of the sign-in travels with each access token, so an API can ask for
    // more than a password (the back-office asks for substantial).
    extraTokenClaims(ctx) {
      const e = ctx.oidc.entities as Record<string, { acr?: string } | undefined>;
      const acr = e.AuthorizationCode?.acr ?? e.RefreshToken?.acr ?? e.BackchannelAuthenticationRequest?.acr;
      return acr ? { acr } : undefined;
    },
    // Browsers may call the provider cross-origin only from a client's own redirect origins.
    clientBasedCORS(_ctx, origin, client) {
      return (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin);
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Erreur — Jokko</title><link rel="stylesheet" href="/interaction-assets/jokko.css"></head><body><main><h1>Connexion impossible</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p></main></body></html>`;
    },
    features: {
      devInteractions: { enabled: false },
      // A client revokes and introspects its own tokens only, never another client's.
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) =>
          client.clientAuthMethod !== 'none' && (!token || token.clientId === client.clientId),
      },
      rpInitiatedLogout: {
        enabled: true,
        // Our page, in the citizen's language, under the platform's CSP (no third-party font).
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          // The confirmation redirects to the relying party: allow its origins as form targets.
          const origins = new Set(
            ((ctx.oidc.client?.postLogoutRedirectUris as string[] | undefined) ?? []).map(
              (u) => new URL(u).origin,
            ),
          );
          ctx.set('content-security-policy', `${pageCsp} ${[...origins].join(' ')}`.trim());
          ctx.body = logoutPage(pageContextOf(ctx, deps), form);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.set('content-security-policy', pageCsp);
          ctx.body = loggedOutPage(pageContextOf(ctx, deps));
        },
      },
      pushedAuthorizationRequests: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      ciba: {
        enabled: true,
        deliveryModes: ['poll'],
        // The bank names the citizen by NIN; an unknown or unenrolled NIN is one answer.
        async processLoginHint(_ctx, loginHint) {
          const nin = validateNationalId(deps.country, String(loginHint ?? ''));
          if (!nin.ok) throw new errors.InvalidRequest('login_hint must be a national identification number');
          return (await findAccountByNin(deps.database, nin.normalized))?.id;
        },
        async processLoginHintToken() {
          throw new errors.InvalidRequest('login_hint_token is not supported; use login_hint');
        },
        // The binding message is what the citizen compares between the counter and the phone.
        async validateBindingMessage(_ctx, message) {
          if (!message) throw new errors.InvalidBindingMessage('binding_message is required');
          if (!/^[\p{L}\p{N} .:#-]{1,24}$/u.test(message))
            throw new errors.InvalidBindingMessage(
              'binding_message: 1 to 24 letters, digits, spaces or .:#-',
            );
        },
        async validateRequestContext() {},
        async verifyUserCode() {},
        async triggerAuthenticationDevice(_ctx, request, account, client) {
          // The super-app lists pending requests (GET /v1/me/approvals); the audit keeps the ask.
          await deps.audit.record({
            actor: { kind: 'partner', id: client.clientId },
            action: 'identity.ciba.requested',
            subject: { kind: 'account', id: account.accountId },
            outcome: 'success',
            details: { requestId: request.jti, scope: request.params?.scope ?? null },
          });
        },
      },
    },
    scopes: supportedScopes,
    claims: {
      // The level and the factors travel in every ID token, asked for or not (CIBA asks neither).
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      acr: null,
      amr: null,
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
  // Token-endpoint outcomes the audit log needs beside the interaction events.
  const on = provider.on.bind(provider) as (
    event: string,
    listener: (ctx: KoaContextWithOIDC, error?: Error) => void,
  ) => unknown;
  for (const event of ['grant.success', 'grant.error', 'backchannel.error', 'end_session.success']) {
    on(event, (ctx, error) => {
      if (event === 'grant.success' && ctx.oidc.params?.grant_type !== cibaGrantType) return;
      void deps.audit
        .record({
          actor: { kind: 'partner', id: ctx.oidc.client?.clientId ?? 'unknown' },
          action: `identity.oidc.${event.replace('.', '-')}`,
          outcome: event.endsWith('error') ? 'failure' : 'success',
          details: error ? { error: (error as Error & { error?: string }).error ?? error.name } : {},
        })
        .catch(() => {});
    });
  }
  return { provider, formKey };
}

const pageCsp =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** The language and translator of a provider-rendered page (cookie, then Accept-Language). */
function pageContextOf(ctx: KoaContextWithOIDC, deps: OidcDeps): PageContext {
  const lang = pickLanguage(
    [/(?:^|;\s*)jokko_lang=(\w+)/.exec(ctx.get('cookie'))?.[1]],
    ctx.get('accept-language'),
    deps.country.languages.default,
  );
  return { lang, t: translator(lang), path: ctx.path, csrf: '' };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Registers (or updates) a relying party; operators do this, and the seed adds the demo ones. Its
 * secret is stored wrapped by `kms`, as the provider's adapter does: the KMS of the configured
 * master key, or the server's client would not open.
 */
export async function registerClient(
  database: Database,
  metadata: ClientMetadata,
  kms: KeyManagement,
): Promise<void> {
  const sealed = await sealPayload(kms, 'Client', metadata.client_id, metadata as AdapterPayload);
  await database.query(
    `INSERT INTO oidc_payloads (model, id, payload, client_secret_wrapped) VALUES ('Client', $1, $2::jsonb, $3::jsonb)
     ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, client_secret_wrapped = EXCLUDED.client_secret_wrapped`,
    [
      metadata.client_id,
      JSON.stringify(sealed.payload),
      sealed.secret ? JSON.stringify(sealed.secret) : null,
    ],
  );
}
