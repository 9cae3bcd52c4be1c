import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { demoCitizens, seedDemoCountry } from '../registries/index.ts';
import { createAccount } from './accounts.ts';
import { superAppClientId } from './me-routes.ts';
import { describeUserAgent } from './sessions.ts';
import { LoginBrowser } from './testing/login-browser.ts';
import { accessTokenFor, registerConfidentialTwin, runLogin } from './testing/relying-party.ts';

const password = 'Teranga-2026-jokko!';
const androidChrome =
  'Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const iphoneSafari =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const windowsFirefox = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** A login browser that says which browser it is, as a phone's would. */
class DeviceBrowser extends LoginBrowser {
  readonly userAgent: string;
  constructor(userAgent: string) {
    super();
    this.userAgent = userAgent;
  }
  override go(url: string, init: RequestInit = {}) {
    return super.go(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'user-agent': this.userAgent },
    });
  }
}

describe('describeUserAgent keeps a browser and a system name only', () => {
  it('names the common phone and desktop browsers, and nothing it does not recognise', () => {
    expect(describeUserAgent(androidChrome)).toEqual({ browser: 'Chrome', os: 'Android' });
    expect(describeUserAgent(iphoneSafari)).toEqual({ browser: 'Safari', os: 'iOS' });
    expect(describeUserAgent(windowsFirefox)).toEqual({ browser: 'Firefox', os: 'Windows' });
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
      ),
    ).toEqual({ browser: 'Samsung Internet', os: 'Android' });
    expect(describeUserAgent('node')).toBeNull();
    expect(describeUserAgent(undefined)).toBeNull();
  });
});

describe.each(testEngines())('identity: my sign-in sessions, on %s', (kind) => {
  let t: TestApp;
  let base: string;
  const app = {
    clientId: superAppClientId,
    secret: 'sessions-test-secret',
    redirectUri: 'https://app.jokko.example/cb',
  };
  let ninA: string;
  let ninB: string;

  const api = async (method: string, path: string, token: string) => {
    const res = await fetch(`${base}/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const signIn = (nin: string, browser: LoginBrowser) =>
    accessTokenFor(base, app, { nin, password, browser });
  /** A silent sign-in (prompt=none) on the browser's provider session: the error, or null when it opened. */
  const silentError = async (browser: LoginBrowser) => {
    const rp = await client.discovery(new URL(`${base}/oidc`), app.clientId, app.secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const outcome = await runLogin(rp, {
      scope: 'openid',
      redirectUri: app.redirectUri,
      prompt: 'none',
      browser,
    });
    if (outcome.kind !== 'callback') throw new Error(`stopped on a page: ${outcome.status}`);
    return outcome.callback.searchParams.get('error');
  };
  const audited = async (action: string) =>
    t.db.database.query<{ actor_id: string; details: Record<string, unknown> }>(
      'SELECT actor_id, details FROM audit_log WHERE action = $1 ORDER BY seq',
      [action],
    );

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 20, seed: 'sessions' });
    [ninA, ninB] = (await demoCitizens(t.db.database)).slice(0, 2).map((c) => c.nin) as [string, string];
    await createAccount(t.db.database, ninA, password);
    await createAccount(t.db.database, ninB, password);
    await registerConfidentialTwin(t.db.database, app);
    await t.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => t.dispose());

  it('lists my sessions with their device, apps and times, marks the current one, and shows no one else’s', async () => {
    const phone = new DeviceBrowser(androidChrome);
    const tablet = new DeviceBrowser(iphoneSafari);
    const before = Date.now() - 1000;
    const onPhone = await signIn(ninA, phone);
    const onTablet = await signIn(ninA, tablet);
    await signIn(ninB, new DeviceBrowser(windowsFirefox));

    const mine = await api('GET', '/me/sessions', onPhone);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(2);
    const current = mine.body.items.find((s: { current: boolean }) => s.current);
    const other = mine.body.items.find((s: { current: boolean }) => !s.current);
    expect(current).toMatchObject({
      device: { browser: 'Chrome', os: 'Android' },
      clients: [{ id: superAppClientId, name: superAppClientId }],
    });
    expect(other.device).toEqual({ browser: 'Safari', os: 'iOS' });
    for (const s of [current, other]) {
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
      expect(Date.parse(s.startedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(Date.parse(s.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
    }
    // The id is the session's uid, never the cookie's value that opens it.
    const cookieValues = [...phone.cookies.values(), ...tablet.cookies.values()].join(' ');
    for (const s of mine.body.items) expect(cookieValues).not.toContain(s.id);

    const fromTablet = await api('GET', '/me/sessions', onTablet);
    expect(fromTablet.body.items.find((s: { current: boolean }) => s.current).id).toBe(other.id);
  });

  it('a citizen can never see or end another citizen’s session', async () => {
    const tokenA = await signIn(ninA, new DeviceBrowser(androidChrome));
    const tokenB = await signIn(ninB, new DeviceBrowser(windowsFirefox));
    const sessionsOfA = (await api('GET', '/me/sessions', tokenA)).body.items as Array<{ id: string }>;
    const sessionsOfB = (await api('GET', '/me/sessions', tokenB)).body.items as Array<{ id: string }>;
    expect(sessionsOfB.map((s) => s.id)).not.toEqual(expect.arrayContaining([sessionsOfA[0]!.id]));

    const refused = await api('DELETE', `/me/sessions/${sessionsOfA[0]!.id}`, tokenB);
    expect(refused.status).toBe(404);
    expect(refused.body.type).toBe(problemType('not-found'));
    expect((await api('GET', '/me/sessions', tokenA)).body.items).toHaveLength(sessionsOfA.length);
    expect((await api('GET', '/me', tokenA)).status).toBe(200);
    // sign-out-others ends only the caller's own sessions.
    const othersOfB = await fetch(`${base}/v1/me/sessions/sign-out-others`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB}` },
    });
    expect(othersOfB.status).toBe(200);
    expect((await api('GET', '/me/sessions', tokenA)).body.items).toHaveLength(sessionsOfA.length);
  });

  it('signing out a session ends its cookie and its tokens at once, and the action is audited', async () => {
    const here = new DeviceBrowser(androidChrome);
    const there = new DeviceBrowser(iphoneSafari);
    const tokenHere = await signIn(ninA, here);
    const tokenThere = await signIn(ninA, there);
    expect(await silentError(there)).toBeNull();
    const items = (await api('GET', '/me/sessions', tokenThere)).body.items as Array<{
      id: string;
      current: boolean;
    }>;
    const target = items.find((s) => s.current)!;

    const ended = await api('DELETE', `/me/sessions/${target.id}`, tokenHere);
    expect(ended.status).toBe(204);
    expect((await api('GET', '/me', tokenThere)).status).toBe(401);
    expect(await silentError(there)).toBe('login_required');
    expect((await api('GET', '/me', tokenHere)).status).toBe(200);
    const left = (await api('GET', '/me/sessions', tokenHere)).body.items as Array<{ id: string }>;
    expect(left.map((s) => s.id)).not.toContain(target.id);
    expect(await silentError(here)).toBeNull();

    const [entry] = (await audited('identity.session.ended')).slice(-1);
    expect(entry).toMatchObject({ details: { sessionUid: target.id, clientIds: [superAppClientId] } });
    expect((await api('DELETE', `/me/sessions/${target.id}`, tokenHere)).status).toBe(404);
  });

  it('"sign out everywhere else" keeps only the session the request comes from', async () => {
    const keep = new DeviceBrowser(androidChrome);
    const tokenKeep = await signIn(ninA, keep);
    const others = [await signIn(ninA, new LoginBrowser()), await signIn(ninA, new LoginBrowser())];
    const res = await fetch(`${base}/v1/me/sessions/sign-out-others`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenKeep}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ended: number }).ended).toBeGreaterThanOrEqual(2);
    for (const token of others) expect((await api('GET', '/me', token)).status).toBe(401);
    const left = (await api('GET', '/me/sessions', tokenKeep)).body.items;
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ current: true, device: { browser: 'Chrome', os: 'Android' } });
    expect(await silentError(keep)).toBeNull();
    const [entry] = (await audited('identity.session.ended-others')).slice(-1);
    expect(entry?.details).toMatchObject({ kept: left[0].id });
  });
});
