import { exportJWK, generateKeyPair } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { demoCitizens, seedDemoCountry } from '../registries/index.ts';
import { createAccount, registerClient } from './index.ts';
import { runLogin } from './testing/relying-party.ts';

const password = 'Teranga-2026-jokko!';
const bank: ClientMetadata & { client_secret: string; redirect_uris: string[] } = {
  client_id: 'banque-teranga',
  client_secret: 'a-long-random-secret-for-the-demo-bank-0123456789',
  client_name: 'Banque Teranga',
  redirect_uris: ['https://bank.example/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
};

const service = { client_id: 'dgid-batch', client_secret: 'another-long-random-secret-for-a-service-98765' };

describe.each(testEngines())('OpenID Connect provider on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let nin: string;
  let config: client.Configuration;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 50, seed: 'oidc' });
    nin = (await demoCitizens(t.db.database))[0]!.nin;
    await createAccount(t.db.database, nin, password);
    await registerClient(t.db.database, bank, t.kms);
    await registerClient(
      t.db.database,
      {
        ...service,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      t.kms,
    );
    await t.app.listen({ host: '127.0.0.1', port });
    config = await client.discovery(new URL(`${base}/oidc`), bank.client_id, bank.client_secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
  });
  afterAll(async () => t.dispose());

  async function login(
    scope: string,
    pass = password,
    options: { par?: boolean; rp?: client.Configuration; redirectUri?: string; prompt?: string } = {},
  ): Promise<{ callback: URL; verifier: string; state: string } | { status: number; html: string }> {
    const outcome = await runLogin(options.rp ?? config, {
      scope,
      redirectUri: options.redirectUri ?? bank.redirect_uris[0]!,
      nin,
      password: pass,
      acr: 'low',
      ...(options.par ? { par: true } : {}),
      ...(options.prompt ? { prompt: options.prompt } : {}),
    });
    return outcome.kind === 'callback' ? outcome : { status: outcome.status, html: outcome.html };
  }

  it('publishes discovery with PKCE S256 only and the Jokko scopes', () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${base}/oidc`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'nin', 'address']));
    expect(meta.acr_values_supported).toEqual(['low', 'substantial', 'high']);
  });

  it('logs a citizen in with code + PKCE and releases registry claims per scope', async () => {
    const result = await login('openid profile nin');
    if ('status' in result) throw new Error(`login failed: ${result.status}`);
    expect(result.callback.origin).toBe('https://bank.example');
    const tokens = await client.authorizationCodeGrant(config, result.callback, {
      pkceCodeVerifier: result.verifier,
      expectedState: result.state,
    });
    const claims = tokens.claims()!;
    expect(claims.acr).toBe('low');
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info.nin).toBe(nin);
    expect(info.family_name).toEqual(expect.any(String));
    expect(info.address).toBeUndefined();
    const audit = await t.db.database.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'identity.%' ORDER BY seq",
    );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['identity.login.password', 'identity.consent.granted']),
    );
  });

  it('accepts a pushed authorization request (PAR) and then only its request_uri', async () => {
    // A pushed request travels by reference only: the front channel carries no parameters of it.
    const pushed = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: bank.redirect_uris[0]!,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    expect([...pushed.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const result = await login('openid', password, { par: true });
    if ('status' in result) throw new Error(`login failed: ${result.status}`);
    const tokens = await client.authorizationCodeGrant(config, result.callback, {
      pkceCodeVerifier: result.verifier,
      expectedState: result.state,
    });
    expect(tokens.claims()?.sub).toEqual(expect.any(String));
  });

  it('authenticates a bank with private_key_jwt and refuses a key it did not register', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bank-key-1', alg: 'ES256', use: 'sig' };
    await registerClient(
      t.db.database,
      {
        client_id: 'bank-pkjwt',
        client_name: 'Baobab Crédit',
        redirect_uris: ['https://baobab.example/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [jwk] },
      },
      t.kms,
    );
    const discover = (key: CryptoKey) =>
      client.discovery(
        new URL(`${base}/oidc`),
        'bank-pkjwt',
        undefined,
        client.PrivateKeyJwt({ key, kid: 'bank-key-1' }),
        {
          execute: [client.allowInsecureRequests],
        },
      );
    const rp = await discover(privateKey);
    const result = await login('openid profile', password, { rp, redirectUri: 'https://baobab.example/cb' });
    if ('status' in result) throw new Error(`login failed: ${result.status}`);
    const forged = await discover(other.privateKey);
    await expect(
      client.authorizationCodeGrant(forged, result.callback, {
        pkceCodeVerifier: result.verifier,
        expectedState: result.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_client' });
    const tokens = await client.authorizationCodeGrant(rp, result.callback, {
      pkceCodeVerifier: result.verifier,
      expectedState: result.state,
    });
    expect(tokens.claims()?.aud).toBe('bank-pkjwt');
  });

  it('issues a refresh token for offline_access, refreshes, and refuses a reused code', async () => {
    const result = await login('openid offline_access', password, { prompt: 'consent' });
    if ('status' in result) throw new Error(`login failed: ${result.status}`);
    const tokens = await client.authorizationCodeGrant(config, result.callback, {
      pkceCodeVerifier: result.verifier,
      expectedState: result.state,
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    await expect(
      client.authorizationCodeGrant(config, result.callback, {
        pkceCodeVerifier: result.verifier,
        expectedState: result.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('grants client credentials, introspects the token (its own client only), and revokes it for good', async () => {
    const m2m = await client.discovery(
      new URL(`${base}/oidc`),
      service.client_id,
      service.client_secret,
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const tokens = await client.clientCredentialsGrant(m2m, {});
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect((await client.tokenIntrospection(m2m, tokens.access_token)).active).toBe(true);
    // Another client learns nothing about the token and cannot revoke it.
    const other = await client.discovery(
      new URL(`${base}/oidc`),
      bank.client_id,
      bank.client_secret,
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
    expect((await client.tokenIntrospection(other, tokens.access_token)).active).toBe(false);
    await client.tokenRevocation(other, tokens.access_token).catch(() => undefined);
    expect((await client.tokenIntrospection(m2m, tokens.access_token)).active).toBe(true);
    await client.tokenRevocation(m2m, tokens.access_token);
    expect((await client.tokenIntrospection(m2m, tokens.access_token)).active).toBe(false);
    const wrongSecret = await client.discovery(
      new URL(`${base}/oidc`),
      service.client_id,
      'not-the-secret',
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
    await expect(client.clientCredentialsGrant(wrongSecret, {})).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('refuses a wrong password with the same message as an unknown NIN', async () => {
    const wrong = await login('openid', 'not-the-password-at-all');
    expect(wrong).toMatchObject({
      status: 401,
      html: expect.stringContaining('NIN ou mot de passe incorrect.'),
    });
  });

  it('refuses an authorization request without PKCE or with plain PKCE, and a wrong redirect URI', async () => {
    const params = new URLSearchParams({
      client_id: bank.client_id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: bank.redirect_uris[0]!,
    });
    const none = await fetch(`${base}/oidc/auth?${params}`, { redirect: 'manual' });
    expect(new URL(none.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    params.set('code_challenge', 'x'.repeat(43));
    params.set('code_challenge_method', 'plain');
    const plain = await fetch(`${base}/oidc/auth?${params}`, { redirect: 'manual' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    params.set('code_challenge_method', 'S256');
    params.set('redirect_uri', 'https://evil.example/callback');
    const evil = await fetch(`${base}/oidc/auth?${params}`, { redirect: 'manual' });
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
  });
});
