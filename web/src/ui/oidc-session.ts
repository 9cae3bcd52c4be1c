import * as oauth from 'oauth4webapi';

/**
 * Sign-in for Jokko's own web apps: OpenID Connect code flow with PKCE as a public client. The
 * tokens live in this closure's memory only, never in storage; a reload signs in again silently
 * (`prompt=none`) on the identity provider's session cookie. Only the PKCE verifier and state wait
 * in sessionStorage during the round trip, under keys of the app's own (a citizen's session in the
 * super-app and an agent's in the back-office do not mix).
 */
export interface SessionOptions {
  clientId: string;
  /** Where the app lives: `/app`, `/office`; its callback is `<basePath>/callback`. */
  basePath: string;
  /** Prefix of the storage keys, e.g. `jokko` or `jokko.office`. */
  storagePrefix: string;
  /** `acr_values` sent with every sign-in (an ordered preference). */
  acrValues: string;
  /** Called on sign-out before leaving for the provider (e.g. drop the offline cache). */
  onSignOut?: () => unknown;
}

export type CallbackOutcome = { ok: true; returnTo: string } | { ok: false; error: string };

export function createSession(opts: SessionOptions) {
  const client: oauth.Client = { client_id: opts.clientId };
  const pendingKey = `${opts.storagePrefix}.signin`;
  const silentKey = `${opts.storagePrefix}.silent`;
  /** Set once this browser has signed in (a flag, not a credential): only then is a silent sign-in tried. */
  const returningKey = `${opts.storagePrefix}.returning`;
  const issuer = () => new URL(`${location.origin}/oidc`);
  const redirectUri = () => `${location.origin}${opts.basePath}/callback`;
  // Development and the demo run on http://localhost; production is https.
  const options = () =>
    location.protocol === 'http:' ? ({ [oauth.allowInsecureRequests]: true } as const) : ({} as const);

  let accessToken: string | undefined;
  let idToken: string | undefined;
  let server: oauth.AuthorizationServer | undefined;

  async function authorizationServer(): Promise<oauth.AuthorizationServer> {
    server ??= await oauth.processDiscoveryResponse(
      issuer(),
      await oauth.discoveryRequest(issuer(), options()),
    );
    return server;
  }

  return {
    token: (): string | undefined => accessToken,

    /** Goes to the identity provider; `silent` asks for no page at all (an existing session only). */
    async signIn(o: { silent?: boolean; lang?: string; returnTo?: string } = {}): Promise<never> {
      const as = await authorizationServer();
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      sessionStorage.setItem(
        pendingKey,
        JSON.stringify({ verifier, state, returnTo: o.returnTo ?? location.pathname + location.search }),
      );
      if (o.silent) sessionStorage.setItem(silentKey, '1');
      const url = new URL(as.authorization_endpoint ?? `${issuer().href}/auth`);
      url.search = new URLSearchParams({
        client_id: opts.clientId,
        redirect_uri: redirectUri(),
        response_type: 'code',
        scope: 'openid',
        acr_values: opts.acrValues,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        ...(o.lang ? { ui_locales: o.lang } : {}),
        ...(o.silent ? { prompt: 'none' } : {}),
      }).toString();
      location.assign(url.href);
      return new Promise<never>(() => {});
    },

    /** On the callback page: trades the code for tokens, which stay in memory. */
    async completeSignIn(): Promise<CallbackOutcome> {
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
        const inApp = pending.returnTo === opts.basePath || pending.returnTo.startsWith(`${opts.basePath}/`);
        const safe = inApp && !pending.returnTo.startsWith(`${opts.basePath}/callback`);
        return { ok: true, returnTo: safe ? pending.returnTo : opts.basePath };
      } catch (err) {
        if (err instanceof oauth.AuthorizationResponseError) return { ok: false, error: err.error };
        return { ok: false, error: 'sign_in_failed' };
      }
    },

    /**
     * Whether to try a silent sign-in: only in a browser that signed in before (a first visit shows
     * the sign-in screen at once, without a round trip), and once per tab (no loop of redirects).
     */
    trySilently: (): boolean =>
      localStorage.getItem(returningKey) === '1' && sessionStorage.getItem(silentKey) !== '1',

    /** Ends the identity session too (end_session), then comes back to the app signed out. */
    async signOut(): Promise<void> {
      const hint = idToken;
      accessToken = undefined;
      idToken = undefined;
      localStorage.removeItem(returningKey);
      // What the app forgets on sign-out is forgotten before the page leaves.
      await Promise.resolve(opts.onSignOut?.()).catch(() => undefined);
      sessionStorage.setItem(silentKey, '1');
      const query = new URLSearchParams({
        client_id: opts.clientId,
        post_logout_redirect_uri: `${location.origin}${opts.basePath}`,
        ...(hint ? { id_token_hint: hint } : {}),
      });
      location.assign(`${server?.end_session_endpoint ?? `${issuer().href}/session/end`}?${query}`);
    },
  };
}
