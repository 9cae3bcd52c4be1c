import type { ClientMetadata } from 'oidc-provider';
import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { listPeople, seedDemoCountry } from '../registries/index.ts';
import { checkPassword, registerClient } from './index.ts';
import { LoginBrowser } from './testing/login-browser.ts';
import { runLogin } from './testing/relying-party.ts';
import { SoftAuthenticator } from './testing/soft-authenticator.ts';

const secret = 'a-long-random-secret-for-the-demo-bank-0123456789';
const newPassword = 'Baobab-sous-la-pluie-2026';
const totpCode = (base32: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(base32), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

describe.each(testEngines())('enrolment, recovery and account administration on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let agentKey: string;
  let adminKey: string;
  let nins: string[];
  let bank: client.Configuration;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    const database = t.db.database;
    await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 40, seed: 'enrol' });
    const people = await listPeople(
      { database, audit: createAuditLog(database), country: getCountryProfile('SN') },
      { kind: 'system', id: 'test', roles: ['*'] },
      { limit: 40 },
    );
    nins = people.people.filter((p) => !p.deathDate && p.birthDate < '2006-01-01').map((p) => p.nin);
    agentKey = await t.keyFor({ kind: 'agent', roles: ['identity:enrol'] });
    adminKey = await t.keyFor({ kind: 'operator', roles: ['identity:admin'] });
    await registerClient(
      database,
      {
        client_id: 'bank',
        client_secret: secret,
        client_name: 'Banque Teranga',
        redirect_uris: ['https://bank.example/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      } satisfies ClientMetadata,
      t.kms,
    );
    await t.app.listen({ host: '127.0.0.1', port });
    bank = await client.discovery(new URL(`${base}/oidc`), 'bank', secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
  });
  afterAll(async () => t.dispose());

  const call = (method: 'GET' | 'POST', url: string, key?: string, body?: object) =>
    t.app.inject({
      method,
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(body ? { payload: body } : {}),
    });
  const issue = async (nin: string, purpose: 'enrol' | 'recover' = 'enrol') => {
    const res = await call('POST', `/v1/identity/accounts/${nin}/activation-code`, agentKey, { purpose });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { code: string; delivery: string };
  };

  /** Walks the enrolment pages like a browser; returns the browser and the factor page. */
  async function enrol(nin: string, code: string, password = newPassword) {
    const browser = new LoginBrowser();
    const start = await browser.go(`${base}/enrol`);
    expect(start.status).toBe(200);
    const csrf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    let res = await browser.form(`${base}/enrol`, { nin, code, csrf: csrf(await start.text()) });
    if (res.status !== 303) return { browser, res };
    const passwordPage = await (await browser.go(`${base}/enrol/password`)).text();
    res = await browser.form(`${base}/enrol/password`, {
      password,
      again: password,
      csrf: csrf(passwordPage),
    });
    if (res.status !== 303) return { browser, res };
    expect(res.headers.get('location')).toBe('/enrol/factor');
    const factorPage = await (await browser.go(`${base}/enrol/factor`)).text();
    return { browser, res, factorPage, csrf: csrf(factorPage) };
  }

  it('issues an enrolment code to an agent, queues it for delivery and keeps only its hash', async () => {
    const issued = await issue(nins[0]!);
    expect(issued.code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    const [outbox] = await t.db.database.query<{ channel: string; payload: { code: string } }>(
      'SELECT channel, payload FROM notify_outbox ORDER BY created_at DESC LIMIT 1',
    );
    expect(outbox).toMatchObject({ channel: issued.delivery, payload: { code: issued.code } });
    const stored = await t.db.database.query<{ code_hash: Uint8Array }>(
      'SELECT code_hash FROM identity_activation_codes',
    );
    expect(stored.some((r) => Buffer.from(r.code_hash).toString('latin1').includes(issued.code))).toBe(false);
    const audit = await t.db.database.query<{ details: object }>(
      "SELECT details FROM audit_log WHERE action = 'identity.activation-code.issued'",
    );
    expect(JSON.stringify(audit)).not.toContain(issued.code);
  });

  it('answers bad back-office requests with problem details', async () => {
    expect(
      (
        await call('POST', `/v1/identity/accounts/${nins[0]}/activation-code`, undefined, {
          purpose: 'enrol',
        })
      ).statusCode,
    ).toBe(401);
    const citizenLike = await t.keyFor({ kind: 'agent', roles: ['registries:read'] });
    expect(
      (
        await call('POST', `/v1/identity/accounts/${nins[0]}/activation-code`, citizenLike, {
          purpose: 'enrol',
        })
      ).statusCode,
    ).toBe(403);
    const malformed = await call('POST', '/v1/identity/accounts/12ab/activation-code', agentKey, {
      purpose: 'enrol',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    const unknown = await call('POST', '/v1/identity/accounts/1999999999999/activation-code', agentKey, {
      purpose: 'enrol',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().type).toBe(problemType('not-found'));
    expect(
      (
        await call('POST', `/v1/identity/accounts/${nins[0]}/activation-code`, agentKey, {
          purpose: 'recover',
        })
      ).statusCode,
    ).toBe(404);
    expect((await call('GET', `/v1/identity/accounts/${nins[0]}`, adminKey)).statusCode).toBe(404);
  });

  it('enrols a citizen: code, password, TOTP from the QR, recovery codes; the account works only at the end', async () => {
    const nin = nins[1]!;
    const { code } = await issue(nin);
    const weak = await enrol(nin, code, 'password1234');
    expect(weak.res.status).toBe(400);
    expect(await weak.res.text()).toContain('trop courant');
    // Same session: the code is spent, the password step stays open for another try.
    const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const retry = await (await weak.browser.go(`${base}/enrol/password`)).text();
    const set = await weak.browser.form(`${base}/enrol/password`, {
      password: newPassword,
      again: newPassword,
      csrf: csrfOf(retry),
    });
    expect(set.headers.get('location')).toBe('/enrol/factor');
    const factorPage = await (await weak.browser.go(`${base}/enrol/factor`)).text();
    const flow = { browser: weak.browser, factorPage, csrf: csrfOf(factorPage) };
    expect(flow.factorPage).toContain('<svg');
    // Pending until a second factor: the password alone does not sign in yet.
    expect((await checkPassword(t.db.database, nin, newPassword, new Date())).ok).toBe(false);
    const key = /<code>([A-Z2-7 ]+)<\/code>/.exec(flow.factorPage!)![1]!.replace(/ /g, '');
    const wrong = await flow.browser.form(`${base}/enrol/totp`, { code: '000000', csrf: flow.csrf! });
    expect(wrong.status).toBe(400);
    const fresh = await (await flow.browser.go(`${base}/enrol/factor`)).text();
    const freshKey = /<code>([A-Z2-7 ]+)<\/code>/.exec(fresh)![1]!.replace(/ /g, '');
    expect(freshKey).not.toBe(key);
    const ok = await flow.browser.form(`${base}/enrol/totp`, {
      code: totpCode(freshKey),
      csrf: /name="csrf" value="([^"]+)"/.exec(fresh)![1]!,
    });
    expect(ok.headers.get('location')).toBe('/enrol/done');
    const done = await (await flow.browser.go(`${base}/enrol/done`)).text();
    expect(done.match(/<li><code>[A-Z2-9]{5}-[A-Z2-9]{5}<\/code><\/li>/g)).toHaveLength(10);
    // Shown once: the enrolment is over.
    expect((await flow.browser.go(`${base}/enrol/done`)).status).toBe(400);
    const login = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin,
      password: newPassword,
      acr: 'substantial',
      totp: () => totpCode(freshKey, 1),
    });
    expect(login.kind).toBe('callback');
    const tokens = await client.authorizationCodeGrant(bank, (login as { callback: URL }).callback, {
      pkceCodeVerifier: (login as { verifier: string }).verifier,
      expectedState: (login as { state: string }).state,
    });
    expect(tokens.claims()!.acr).toBe('substantial');
  });

  it('enrols with a passkey instead, and refuses a wrong, reused or exhausted code', async () => {
    const nin = nins[2]!;
    const { code } = await issue(nin);
    for (let i = 0; i < 4; i++) expect((await enrol(nin, 'WRONG234')).res.status).toBe(401);
    const flow = await enrol(nin, code);
    expect(flow.res.status).toBe(303);
    const json = (body: unknown) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': flow.csrf! },
      body: JSON.stringify(body),
    });
    const phone = new SoftAuthenticator(base);
    const options = await (await flow.browser.go(`${base}/enrol/passkey/options`, json({}))).json();
    const finished = await flow.browser.go(
      `${base}/enrol/passkey`,
      json({ name: 'Mon téléphone', response: phone.register(options) }),
    );
    expect(await finished.json()).toEqual({ redirect: '/enrol/done' });
    expect((await flow.browser.go(`${base}/enrol/done`)).status).toBe(200);
    expect((await enrol(nin, code)).res.status).toBe(401);
    // Five wrong tries burn a code, even if the right one comes next.
    const other = nins[3]!;
    const { code: burnt } = await issue(other);
    for (let i = 0; i < 5; i++) await enrol(other, 'WRONG234');
    expect((await enrol(other, burnt)).res.status).toBe(401);
    const passkeyLogin = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      acr: 'high',
      passkey: phone,
    });
    expect(passkeyLogin.kind).toBe('callback');
  });

  it('recovers an account through an agent: new password, old factors gone', async () => {
    const nin = nins[1]!;
    const { code } = await issue(nin, 'recover');
    const flow = await enrol(nin, code, 'Nouveau-mot-de-passe-2026');
    expect(flow.res.status).toBe(303);
    const key = /<code>([A-Z2-7 ]+)<\/code>/.exec(flow.factorPage!)![1]!.replace(/ /g, '');
    await flow.browser.form(`${base}/enrol/totp`, { code: totpCode(key), csrf: flow.csrf! });
    expect((await flow.browser.go(`${base}/enrol/done`)).status).toBe(200);
    expect((await checkPassword(t.db.database, nin, newPassword, new Date())).ok).toBe(false);
    expect((await checkPassword(t.db.database, nin, 'Nouveau-mot-de-passe-2026', new Date())).ok).toBe(true);
    const [factors] = await t.db.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM identity_factors f JOIN identity_accounts a ON a.id = f.account_id WHERE a.nin = $1 AND f.confirmed',
      [nin],
    );
    expect(factors!.n).toBe(1);
  });

  it('locks and unlocks an account, audited', async () => {
    const nin = nins[1]!;
    const locked = await call('POST', `/v1/identity/accounts/${nin}/lock`, adminKey, {
      reason: 'Déclaration de fraude',
    });
    expect(locked.json()).toMatchObject({ status: 'locked', lockedReason: 'Déclaration de fraude' });
    expect(await checkPassword(t.db.database, nin, 'Nouveau-mot-de-passe-2026', new Date())).toMatchObject({
      ok: false,
      reason: 'locked',
    });
    expect(
      (await call('POST', `/v1/identity/accounts/${nin}/lock`, agentKey, { reason: 'x y z' })).statusCode,
    ).toBe(403);
    expect((await call('POST', `/v1/identity/accounts/${nin}/unlock`, adminKey)).json().status).toBe(
      'active',
    );
    expect((await checkPassword(t.db.database, nin, 'Nouveau-mot-de-passe-2026', new Date())).ok).toBe(true);
    const actions = await t.db.database.query<{ action: string }>(
      "SELECT DISTINCT action FROM audit_log WHERE action LIKE 'identity.account.%' OR action LIKE 'identity.enrolment.%' OR action LIKE 'identity.recovery.%'",
    );
    expect(actions.map((a) => a.action).sort()).toEqual([
      'identity.account.locked',
      'identity.account.unlocked',
      'identity.enrolment.account-created',
      'identity.enrolment.code',
      'identity.enrolment.completed',
      'identity.recovery.completed',
      'identity.recovery.password-set',
    ]);
  });
});
