import * as oauth from 'oauth4webapi';

/**
 * Sign-in for the super-app: OpenID Connect code flow with PKCE as a public client (`jokko-app`).
 * The access token lives in this module's memory only, never in storage; a reload signs in again
 * silently (`prompt=none`) on the identity provider's session cookie. Only the PKCE verifier and
 * state wait in sessionStorage during the round trip.
 */
const clientId = 'jokko-app';
const client: oauth.Client = { client_id: clientId };
const pendingKey = 'jokko.signin';
const silentKey = 'jokko.silent';
/** Set once this browser has signed in (a flag, not a credential): only then is a silent sign-in tried. */
const returningKey = 'jokko.returning';
const issuer = () => new URL(`${location.origin}/oidc`);
const redirectUri = () => `${location.origin}/app/callback`;
// Development and the demo run on http://localhost; production is https.
const options = () =>
  location.protocol === 'http:' ? ({ [oauth.allowInsecureRequests]: true } as const) : ({} as const);

let accessToken: string | undefined;
let server: oauth.AuthorizationServer | undefined;

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  server ??= await oauth.processDiscoveryResponse(
    issuer(),
    await oauth.discoveryRequest(issuer(), options()),
  );
  return server;
}

export const token = (): string | undefined => accessToken;

/** Goes to the identity provider; `silent` asks for no page at all (an existing session only). */
export async function signIn(
  opts: { silent?: boolean; lang?: string; returnTo?: string } = {},
): Promise<never> {
  const as = await authorizationServer();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(
    pendingKey,
    JSON.stringify({ verifier, state, returnTo: opts.returnTo ?? location.pathname, silent: !!opts.silent }),
  );
  if (opts.silent) sessionStorage.setItem(silentKey, '1');
  const url = new URL(as.authorization_endpoint ?? `${issuer().href}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    // A second factor whenever the citizen has one; the password alone only for those who have not
    // added one yet (Settings invites them to).
    acr_values: 'substantial low',
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

/** On /app/callback: trades the code for tokens; the token stays in memory. */
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
    sessionStorage.removeItem(silentKey);
    localStorage.setItem(returningKey, '1');
    return { ok: true, returnTo: pending.returnTo.startsWith('/app') ? pending.returnTo : '/app' };
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) return { ok: false, error: err.error };
    return { ok: false, error: 'sign_in_failed' };
  }
}

/**
 * Whether to try a silent sign-in: only in a browser that signed in before (a first visit shows the
 * sign-in screen at once, without a round trip), and once per tab (no loop of redirects).
 */
export const trySilently = (): boolean =>
  localStorage.getItem(returningKey) === '1' && sessionStorage.getItem(silentKey) !== '1';

export function signOut(): void {
  accessToken = undefined;
  localStorage.removeItem(returningKey);
  // The data kept for offline use goes with the session.
  navigator.serviceWorker?.controller?.postMessage('sign-out');
  sessionStorage.setItem(silentKey, '1');
  location.assign(
    `${issuer().href}/session/end?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent(`${location.origin}/app`)}`,
  );
}
