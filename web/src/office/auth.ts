import * as oauth from 'oauth4webapi';

/**
 * Sign-in for the back-office: OpenID Connect code flow with PKCE as the public client
 * `jokko-office`, asking for `substantial` (password and a second factor). Like the super-app's
 * (web/src/app/auth.ts), tokens live in this module's memory only; a reload signs in again silently
 * on the identity provider's session, and only the PKCE verifier and state wait in sessionStorage
 * during the round trip. The keys are the office's own: a citizen session in the same browser does
 * not mix with an agent's.
 */
const clientId = 'jokko-office';
const client: oauth.Client = { client_id: clientId };
const pendingKey = 'jokko.office.signin';
const silentKey = 'jokko.office.silent';
/** Set once this browser has signed in to the office (a flag, not a credential). */
const returningKey = 'jokko.office.returning';
const issuer = () => new URL(`${location.origin}/oidc`);
const redirectUri = () => `${location.origin}/office/callback`;
// Development and the demo run on http://localhost; production is https.
const options = () =>
  location.protocol === 'http:' ? ({ [oauth.allowInsecureRequests]: true } as const) : ({} as const);

let accessToken: string | undefined;
let idToken: string | undefined;
/** The agent's account id (from /v1/office/me): how the queue recognises "assigned to me". */
let subject: string | undefined;
let server: oauth.AuthorizationServer | undefined;

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  server ??= await oauth.processDiscoveryResponse(
    issuer(),
    await oauth.discoveryRequest(issuer(), options()),
  );
  return server;
}

export const token = (): string | undefined => accessToken;
export const accountId = (): string | undefined => subject;
export const rememberAccount = (id: string): void => {
  subject = id;
};

/** Goes to the identity provider; `silent` asks for no page at all (an existing session only). */
export async function signIn(
  opts: { silent?: boolean; lang?: string; returnTo?: string } = {},
): Promise<never> {
  const as = await authorizationServer();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(
    pendingKey,
    JSON.stringify({ verifier, state, returnTo: opts.returnTo ?? location.pathname + location.search }),
  );
  if (opts.silent) sessionStorage.setItem(silentKey, '1');
  const url = new URL(as.authorization_endpoint ?? `${issuer().href}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    // Agents decide on citizens' applications: never on a password alone.
    acr_values: 'substantial',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(opts.lang ? { ui_locales: opts.lang } : {}),
    ...(opts.silent ? { prompt: 'none' } : {}),
  }).toString();
  location.assign(url.href);
  return new Promise<never>(() => {});
}

export type CallbackOutcome = { ok: true; returnTo: string } | { ok: false; error: string };

/** On /office/callback: trades the code for tokens; they stay in memory. */
export async function completeSignIn(): Promise<CallbackOutcome> {
  const pending = JSON.parse(sessionStorage.getItem(pendingKey) ?? 'null') as {
    verifier: string;
    state: string;
    returnTo: string;
  } | null;
  sessionStorage.removeItem(pendingKey);
  if (!pending) return { ok: false, error: 'no_pending_sign_in' };
  const as = await authorizationServer();
  try {
    const params = oauth.validateAuthResponse(as, client, new URL(location.href), pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri(),
      pending.verifier,
      options(),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response);
    accessToken = result.access_token;
    idToken = result.id_token;
    sessionStorage.removeItem(silentKey);
    localStorage.setItem(returningKey, '1');
    const safe = pending.returnTo.startsWith('/office') && !pending.returnTo.startsWith('/office/callback');
    return { ok: true, returnTo: safe ? pending.returnTo : '/office' };
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) return { ok: false, error: err.error };
    return { ok: false, error: 'sign_in_failed' };
  }
}

/** A silent sign-in only in a browser that signed in to the office before, and once per tab. */
export const trySilently = (): boolean =>
  localStorage.getItem(returningKey) === '1' && sessionStorage.getItem(silentKey) !== '1';

/** Ends the identity session too (end_session), then comes back to /office signed out. */
export function signOut(): void {
  const hint = idToken;
  accessToken = undefined;
  idToken = undefined;
  subject = undefined;
  localStorage.removeItem(returningKey);
  sessionStorage.setItem(silentKey, '1');
  const query = new URLSearchParams({
    client_id: clientId,
    post_logout_redirect_uri: `${location.origin}/office`,
    ...(hint ? { id_token_hint: hint } : {}),
  });
  location.assign(`${server?.end_session_endpoint ?? `${issuer().href}/session/end`}?${query}`);
}
