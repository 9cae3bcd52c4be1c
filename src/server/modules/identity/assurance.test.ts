import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { buildApp } from '../../app.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { createKmsFromConfig } from '../../platform/kms.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { demoCitizens, listPeople, seedDemoCountry } from '../registries/index.ts';
import { createAccount } from './accounts.ts';
import {
  confirmTotp,
  type FactorDeps,
  finishPasskeyRegistration,
  issueRecoveryCodes,
  passkeyRegistrationOptions,
  startTotpEnrolment,
} from './factors.ts';
import { addSigningKey, cibaGrantType, registerClient, superAppClientId } from './index.ts';
import { runLogin } from './testing/relying-party.ts';
import { SoftAuthenticator } from './testing/soft-authenticator.ts';

const password = 'Teranga-2026-jokko!';
const secret = 'a-long-random-secret-for-the-demo-bank-0123456789';
const insecure = { execute: [client.allowInsecureRequests] };
const codeAt = (totpSecret: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(totpSecret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

describe.each(testEngines())('levels of assurance, passkeys and CIBA on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let bank: client.Configuration;
  let superApp: client.Configuration;
  let ciba: client.Configuration;
  const citizens: Record<'a' | 'b' | 'c', { nin: string; id: string }> = {} as never;
  let totpSecret: string;
  let phone: SoftAuthenticator;
  let recoveryCodes: string[];

  const discover = (id: string) => client.discovery(new URL(`${base}/oidc`), id, secret, undefined, insecure);

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    const database = t.db.database;
    await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 60, seed: 'assurance' });
    const household = await demoCitizens(database);
    const adults = household.filter((p) => p.birthDate < '2006-01-01');
    const system = { kind: 'system' as const, id: 'test', roles: ['*'] };
    const others = (
      await listPeople(
        { database, audit: createAuditLog(database), country: getCountryProfile('SN') },
        system,
        {
          limit: 30,
        },
      )
    ).people.filter((p) => !household.some((h) => h.nin === p.nin));
    for (const [key, nin] of [
      ['a', adults[0]!.nin],
      ['b', adults[1]!.nin],
      ['c', others[0]!.nin],
    ] as const)
      citizens[key] = { nin, id: (await createAccount(database, nin, password)).id };
    const deps: FactorDeps = {
      database,
      audit: createAuditLog(database),
      publicUrl: base,
      kms: createKmsFromConfig(t.config.kms),
    };
    // Citizen a has TOTP, a passkey and recovery codes; b a password only; c TOTP only.
    const totp = await startTotpEnrolment(deps, citizens.a.id, citizens.a.nin);
    totpSecret = totp.secret;
    expect(await confirmTotp(deps, citizens.a.id, totp.factorId, codeAt(totp.secret, -1))).toBe(true);
    phone = new SoftAuthenticator(base);
    const registration = phone.register(
      await passkeyRegistrationOptions(deps, { id: citizens.a.id, nin: citizens.a.nin, displayName: 'A' }),
    );
    expect(await finishPasskeyRegistration(deps, citizens.a.id, 'Téléphone', registration)).toBeDefined();
    recoveryCodes = await issueRecoveryCodes(database, citizens.a.id);
    const totpC = await startTotpEnrolment(deps, citizens.c.id, citizens.c.nin);
    expect(await confirmTotp(deps, citizens.c.id, totpC.factorId, codeAt(totpC.secret, -1))).toBe(true);

    const web: ClientMetadata = {
      client_id: '',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      client_secret: secret,
    };
    await registerClient(
      database,
      {
        ...web,
        client_id: 'bank',
        client_name: 'Banque Teranga',
        redirect_uris: ['https://bank.example/cb'],
        post_logout_redirect_uris: ['https://bank.example/bye'],
      },
      t.kms,
    );
    await registerClient(
      database,
      {
        ...web,
        client_id: superAppClientId,
        client_name: 'Jokko',
        redirect_uris: ['https://app.jokko.example/cb'],
      },
      t.kms,
    );
    await registerClient(
      database,
      {
        ...web,
        client_id: 'pairwise-bank',
        client_name: 'Baobab Crédit',
        redirect_uris: ['https://baobab.example/cb'],
        subject_type: 'pairwise',
      },
      t.kms,
    );
    await registerClient(
      database,
      {
        client_id: 'ciba-bank',
        client_secret: secret,
        client_name: 'Xaalis Counter',
        grant_types: [cibaGrantType],
        response_types: [],
        redirect_uris: [],
        backchannel_token_delivery_mode: 'poll',
      },
      t.kms,
    );
    await t.app.listen({ host: '127.0.0.1', port });
    [bank, superApp, ciba] = await Promise.all([
      discover('bank'),
      discover(superAppClientId),
      discover('ciba-bank'),
    ]);
  });
  afterAll(async () => t.dispose());

  async function tokensFor(rp: client.Configuration, outcome: Awaited<ReturnType<typeof runLogin>>) {
    if (outcome.kind !== 'callback')
      throw new Error(`stopped on a page (${outcome.status}): ${outcome.html}`);
    return client.authorizationCodeGrant(rp, outcome.callback, {
      pkceCodeVerifier: outcome.verifier,
      expectedState: outcome.state,
    });
  }
  const citizenToken = async (who: 'a' | 'b') =>
    (
      await tokensFor(
        superApp,
        await runLogin(superApp, {
          scope: 'openid',
          redirectUri: 'https://app.jokko.example/cb',
          nin: citizens[who].nin,
          password,
        }),
      )
    ).access_token;
  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });

  it('steps a password session up to substantial with TOTP, without asking for the password again', async () => {
    const first = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.a.nin,
      password,
      acr: 'low',
    });
    const low = (await tokensFor(bank, first)).claims()!;
    expect(low.acr).toBe('low');
    expect(low.amr).toEqual(['pwd']);
    // Same browser, higher level asked: no password field is filled this time (none is given).
    const second = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      acr: 'substantial',
      browser: first.browser,
      totp: () => codeAt(totpSecret),
    });
    const substantial = (await tokensFor(bank, second)).claims()!;
    expect(substantial.acr).toBe('substantial');
    expect(substantial.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(substantial.sub).toBe(low.sub);
  });

  it('logs in with a passkey alone, username-less, at acr high', async () => {
    const outcome = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      acr: 'high',
      passkey: phone,
    });
    const claims = (await tokensFor(bank, outcome)).claims()!;
    expect(claims.acr).toBe('high');
    expect(claims.amr).toEqual(expect.arrayContaining(['hwk', 'mfa']));
  });

  it('accepts a recovery code once as the second factor', async () => {
    const script = {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.a.nin,
      password,
      acr: 'substantial',
      recovery: recoveryCodes[0]!,
    };
    expect((await tokensFor(bank, await runLogin(bank, script))).claims()!.acr).toBe('substantial');
    expect(await runLogin(bank, script)).toMatchObject({ kind: 'page', status: 401 });
  });

  it('tells the relying party when the account cannot reach the level it asks for', async () => {
    const outcome = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.b.nin,
      password,
      acr: 'high',
    });
    expect(outcome.kind).toBe('callback');
    if (outcome.kind === 'callback')
      expect(outcome.callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('refuses wrong TOTP codes and stops guessing after five', async () => {
    const outcome = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.c.nin,
      password,
      acr: 'substantial',
      totp: () => '000000',
    });
    expect(outcome).toMatchObject({ kind: 'page', status: 401 });
    const retry = async () => {
      const page = await outcome.browser.go(
        `${base}/interaction/${/\/interaction\/([\w-]+)\/totp/.exec((outcome as { html: string }).html)![1]}/totp`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            code: '000001',
            csrf: /name="csrf" value="([^"]+)"/.exec((outcome as { html: string }).html)![1]!,
          }).toString(),
        },
      );
      return page.status;
    };
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await retry());
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('lets a bank log a citizen in by "approve on your phone" (CIBA) with a passkey', async () => {
    const started = await client.initiateBackchannelAuthentication(ciba, {
      scope: 'openid profile',
      login_hint: citizens.a.nin,
      binding_message: 'XAALIS 4821',
    });
    const token = await citizenToken('a');
    const pending = (await (await api('/v1/me/approvals', token)).json()) as Array<{
      id: string;
      bindingMessage: string;
      client: { name: string };
    }>;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ bindingMessage: 'XAALIS 4821', client: { name: 'Xaalis Counter' } });
    // Another citizen neither sees nor answers it.
    const other = await citizenToken('b');
    expect(await (await api('/v1/me/approvals', other)).json()).toEqual([]);
    expect(
      (
        await api(`/v1/me/approvals/${pending[0]!.id}`, other, {
          method: 'POST',
          body: '{"decision":"deny"}',
        })
      ).status,
    ).toBe(404);
    const options = await (
      await api(`/v1/me/approvals/${pending[0]!.id}/options`, token, { method: 'POST' })
    ).json();
    const approved = await api(`/v1/me/approvals/${pending[0]!.id}`, token, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve', response: phone.authenticate(options) }),
    });
    expect(approved.status).toBe(200);
    const tokens = await client.pollBackchannelAuthenticationGrant(ciba, { ...started, interval: 1 });
    const claims = tokens.claims()!;
    expect(claims.acr).toBe('high');
    const info = await client.fetchUserInfo(ciba, tokens.access_token, claims.sub);
    expect(info.given_name).toEqual(expect.any(String));
  });

  it("passes a citizen's refusal back to the bank, and refuses unknown NINs and missing binding messages", async () => {
    const started = await client.initiateBackchannelAuthentication(ciba, {
      scope: 'openid',
      login_hint: citizens.a.nin,
      binding_message: 'XAALIS 9917',
    });
    const token = await citizenToken('a');
    const [pending] = (await (await api('/v1/me/approvals', token)).json()) as Array<{ id: string }>;
    // The bank's own token is not the super-app: it cannot answer for the citizen.
    const bankToken = (
      await tokensFor(
        bank,
        await runLogin(bank, {
          scope: 'openid',
          redirectUri: 'https://bank.example/cb',
          nin: citizens.a.nin,
          password,
        }),
      )
    ).access_token;
    expect(
      (
        await api(`/v1/me/approvals/${pending!.id}`, bankToken, {
          method: 'POST',
          body: '{"decision":"approve"}',
        })
      ).status,
    ).toBe(403);
    expect(
      (await api(`/v1/me/approvals/${pending!.id}`, token, { method: 'POST', body: '{"decision":"deny"}' }))
        .status,
    ).toBe(200);
    await expect(
      client.pollBackchannelAuthenticationGrant(ciba, { ...started, interval: 1 }),
    ).rejects.toMatchObject({
      error: 'access_denied',
    });
    await expect(
      client.initiateBackchannelAuthentication(ciba, {
        scope: 'openid',
        login_hint: '1999999999999',
        binding_message: 'X 1',
      }),
    ).rejects.toMatchObject({ error: 'unknown_user_id' });
    await expect(
      client.initiateBackchannelAuthentication(ciba, { scope: 'openid', login_hint: citizens.a.nin }),
    ).rejects.toMatchObject({ error: 'invalid_binding_message' });
    const audit = await t.db.database.query<{ action: string }>(
      "SELECT DISTINCT action FROM audit_log WHERE action LIKE 'identity.ciba.%'",
    );
    expect(audit.map((a) => a.action).sort()).toEqual([
      'identity.ciba.approved',
      'identity.ciba.denied',
      'identity.ciba.requested',
    ]);
  });

  it("reads a citizen's own record with their token, and never another citizen's", async () => {
    const token = await citizenToken('a');
    const me = await api('/v1/me', token);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { nin: string }).nin).toBe(citizens.a.nin);
    expect((await api(`/v1/registries/people/${citizens.a.nin}`, token)).status).toBe(200);
    const theirs = await api(`/v1/registries/people/${citizens.b.nin}`, token);
    expect(theirs.status).toBe(403);
    expect(theirs.headers.get('content-type')).toContain('application/problem+json');
    expect((await api('/v1/registries/people', token)).status).toBe(403);
    expect((await api('/v1/me', 'not-a-real-token-but-long-enough')).status).toBe(401);
  });

  it('gives a pairwise client its own stable sub, unlinkable to the public one', async () => {
    const pairwise = await discover('pairwise-bank');
    const login = async (rp: client.Configuration, redirectUri: string) =>
      (
        await tokensFor(
          rp,
          await runLogin(rp, { scope: 'openid', redirectUri, nin: citizens.b.nin, password }),
        )
      ).claims()!.sub;
    const one = await login(pairwise, 'https://baobab.example/cb');
    const two = await login(pairwise, 'https://baobab.example/cb');
    const publicSub = await login(bank, 'https://bank.example/cb');
    expect(one).toBe(two);
    expect(one).not.toBe(publicSub);
    expect(publicSub).toBe(citizens.b.id);
  });

  it('refuses an expired authorization code', async () => {
    const outcome = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.b.nin,
      password,
    });
    if (outcome.kind !== 'callback') throw new Error('login failed');
    await t.db.database.query(
      `UPDATE oidc_payloads SET payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch FROM now())::int - 5))
        WHERE model = 'AuthorizationCode'`,
    );
    await expect(
      client.authorizationCodeGrant(bank, outcome.callback, {
        pkceCodeVerifier: outcome.verifier,
        expectedState: outcome.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('ends the session on RP-initiated logout', async () => {
    const outcome = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.b.nin,
      password,
    });
    const tokens = await tokensFor(bank, outcome);
    const end = client.buildEndSessionUrl(bank, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://bank.example/bye',
    });
    const page = await outcome.browser.go(end.href);
    expect(page.status).toBe(200);
    const html = await page.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const confirm = await outcome.browser.form(`${base}/oidc/session/end/confirm`, { xsrf, logout: 'yes' });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toMatch(/^https:\/\/bank\.example\/bye/);
    // The browser's session is gone: a silent login now fails.
    const silent = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      prompt: 'none',
      browser: outcome.browser,
    });
    expect(silent.kind === 'callback' && silent.callback.searchParams.get('error')).toBe('login_required');
  });

  it('rotates the signing key without breaking tokens signed by the old one', async () => {
    const outcome = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.b.nin,
      password,
    });
    const oldIdToken = (await tokensFor(bank, outcome)).id_token!;
    const newKid = await addSigningKey(t.db.database, createKmsFromConfig(t.config.kms));
    // A second node started after the rotation: publishes both keys, signs with the new one.
    const node = await buildApp({ config: t.config, database: t.db.database, webDir: '/nonexistent' });
    try {
      const jwks = (await node.inject({ url: '/oidc/jwks' })).json() as JSONWebKeySet;
      expect(jwks.keys).toHaveLength(2);
      expect(jwks.keys[0]!.kid).toBe(newKid);
      const keys = createLocalJWKSet(jwks);
      await expect(jwtVerify(oldIdToken, keys, { issuer: `${base}/oidc` })).resolves.toBeDefined();
    } finally {
      await node.close();
    }
  });

  it('locks an account after repeated wrong passwords, then limits failures per address', async () => {
    const wrong = (nin: string) =>
      runLogin(bank, {
        scope: 'openid',
        redirectUri: 'https://bank.example/cb',
        nin,
        password: 'wrong-password-123',
      });
    for (let i = 0; i < 5; i++) await wrong(citizens.b.nin);
    const locked = await runLogin(bank, {
      scope: 'openid',
      redirectUri: 'https://bank.example/cb',
      nin: citizens.b.nin,
      password,
    });
    expect(locked).toMatchObject({ kind: 'page', status: 401, html: expect.stringContaining('verrouillé') });
    let last = locked;
    for (let i = 0; i < 30 && !(last.kind === 'page' && last.status === 429); i++)
      last = await wrong(`1${String(900000000000 + i)}`);
    expect(last).toMatchObject({ kind: 'page', status: 429 });
  });
});
