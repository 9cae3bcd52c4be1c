import * as client from 'openid-client';
import type { Database } from '../../../platform/db/database.ts';
import { developmentKms } from '../../../platform/kms.ts';
import { registerClient } from '../oidc/provider.ts';
import { LoginBrowser } from './login-browser.ts';
import type { SoftAuthenticator } from './soft-authenticator.ts';

export interface LoginScript {
  scope: string;
  redirectUri: string;
  nin?: string;
  password?: string;
  /** acr_values to send (default: none, so the client's default or low applies). */
  acr?: string;
  par?: boolean;
  prompt?: string;
  /** Answers the TOTP page with this function's code. */
  totp?: () => string;
  /** Uses this authenticator on the pages' passkey button (username-less on the login page). */
  passkey?: SoftAuthenticator;
  /** Reuse a browser (its cookies hold the provider session), e.g. for a step-up. */
  browser?: LoginBrowser;
  /** Answers the second-factor page with this recovery code. */
  recovery?: string;
  /** Refuse on the consent page. */
  deny?: boolean;
  /** More authorization parameters, e.g. consent_request. */
  params?: Record<string, string>;
  /** Called with each consent page's HTML before it is answered. */
  onConsentPage?: (html: string) => void;
}

export type LoginOutcome =
  | { kind: 'callback'; callback: URL; verifier: string; state: string; browser: LoginBrowser }
  | { kind: 'page'; status: number; html: string; browser: LoginBrowser };

/**
 * Plays a citizen's browser through the identity pages for a relying party configured with
 * openid-client: it reads each page, fills the form it shows (password, TOTP, passkey, consent)
 * and follows redirects until the relying party's callback, or stops on a page it cannot pass.
 */
export async function runLogin(rp: client.Configuration, script: LoginScript): Promise<LoginOutcome> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const params: Record<string, string> = {
    redirect_uri: script.redirectUri,
    scope: script.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(script.acr ? { acr_values: script.acr } : {}),
    ...(script.prompt ? { prompt: script.prompt } : {}),
    ...script.params,
  };
  const start = script.par
    ? await client.buildAuthorizationUrlWithPAR(rp, params)
    : client.buildAuthorizationUrl(rp, params);
  const base = start.origin;
  const browser = script.browser ?? new LoginBrowser();
  let url = start.href;
  for (let step = 0; step < 16; step++) {
    let res = await browser.go(url);
    if (res.status === 302 || res.status === 303) {
      const next = new URL(res.headers.get('location')!, url);
      if (next.origin !== base) return { kind: 'callback', callback: next, verifier, state, browser };
      url = next.href;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) return { kind: 'page', status: res.status, html, browser };
    const interaction = url.split('?')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? /data-csrf="([^"]+)"/.exec(html)?.[1] ?? '';
    const hasPassword = html.includes(`action="/interaction/`) && html.includes('/login"');
    const canPasskey = html.includes('data-passkey="login"') && script.passkey;
    if (canPasskey && (!hasPassword || !script.password)) {
      const json = (body: unknown) => ({
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body),
      });
      const options = await (await browser.go(`${interaction}/passkey/options`, json({}))).json();
      const finish = await browser.go(
        `${interaction}/passkey`,
        json({ response: script.passkey!.authenticate(options) }),
      );
      const body = (await finish.json()) as { redirect?: string; message?: string };
      if (!finish.ok || !body.redirect)
        return { kind: 'page', status: finish.status, html: body.message ?? '', browser };
      url = new URL(body.redirect, base).href;
      continue;
    }
    if (hasPassword) {
      res = await browser.form(`${interaction}/login`, {
        nin: script.nin ?? '',
        password: script.password ?? '',
        csrf,
      });
    } else if (html.includes('/totp"') && script.totp) {
      res = await browser.form(`${interaction}/totp`, { code: script.totp(), csrf });
    } else if (html.includes('/recovery"') && script.recovery) {
      res = await browser.form(`${interaction}/recovery`, { code: script.recovery, csrf });
    } else if (html.includes('/confirm"')) {
      script.onConsentPage?.(html);
      res = await browser.form(`${interaction}/${script.deny ? 'abort' : 'confirm'}`, { csrf });
    } else {
      return { kind: 'page', status: res.status, html, browser };
    }
    if (res.status !== 303) return { kind: 'page', status: res.status, html: await res.text(), browser };
    url = new URL(res.headers.get('location')!, url).href;
  }
  throw new Error('login did not finish in 16 steps');
}

/**
 * Tests and benchmarks drive the first-party apps (super-app, back-office) without a browser: the
 * app's client is registered again as a confidential twin (same client id, so routes take its
 * tokens for the app's; a secret and the caller's redirect URI). Its secret is wrapped by the
 * development key's KMS: servers under test start with that key (no JOKKO_MASTER_KEY).
 */
export async function registerConfidentialTwin(
  database: Database,
  twin: { clientId: string; secret: string; redirectUri: string; defaultAcr?: string },
): Promise<void> {
  await registerClient(
    database,
    {
      client_id: twin.clientId,
      client_secret: twin.secret,
      client_name: twin.clientId,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [twin.redirectUri],
      ...(twin.defaultAcr ? { default_acr_values: [twin.defaultAcr] } : {}),
    },
    developmentKms(),
  );
}

/** A full sign-in through the identity pages for such a client, traded for an access token. */
export async function accessTokenFor(
  base: string,
  twin: { clientId: string; secret: string; redirectUri: string },
  login: Omit<LoginScript, 'scope' | 'redirectUri'>,
): Promise<string> {
  const rp = await client.discovery(new URL(`${base}/oidc`), twin.clientId, twin.secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  const outcome = await runLogin(rp, { scope: 'openid', redirectUri: twin.redirectUri, ...login });
  if (outcome.kind !== 'callback')
    throw new Error(`sign-in stopped on a page (${outcome.status}): ${outcome.html.slice(0, 300)}`);
  const grant = await client.authorizationCodeGrant(rp, outcome.callback, {
    pkceCodeVerifier: outcome.verifier,
    expectedState: outcome.state,
  });
  return grant.access_token;
}
