import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClient } from '../src/server/modules/identity/index.ts';
import type { TestApp } from '../src/server/testing.ts';
import { addVirtualAuthenticator, hasBrowser, launchBrowser } from './browser.ts';
import { peopleBornBefore, startDemoServer } from './server.ts';

const secret = 'a-long-random-secret-for-the-browser-bank-0123';
const callback = 'https://bank.example/cb';
const totpCode = (base32: string, offsetSteps = 0) =>
  new TOTP({ secret: Secret.fromBase32(base32), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });

describe.skipIf(!hasBrowser())('identity pages in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let base: string;
  let rp: client.Configuration;
  let nins: string[];
  let agentKey: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    // WebAuthn wants a real host name: localhost (the server's base) is a secure context and a valid RP ID.
    const server = await startDemoServer({
      people: 30,
      seed: 'browser',
      web: false,
      referenceServices: false,
    });
    ({ t, base } = server);
    nins = (await peopleBornBefore(server, '2006-01-01')).map((p) => p.nin);
    agentKey = await t.keyFor({ kind: 'agent', roles: ['identity:enrol'] });
    await registerClient(
      server.database,
      {
        client_id: 'bank',
        client_secret: secret,
        client_name: 'Banque Teranga',
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      t.kms,
    );
    rp = await client.discovery(new URL(`${base}/oidc`), 'bank', secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    // The bank's site is not running here: answer its callback in the browser.
    await page.route(`${callback}**`, (route) => route.fulfill({ status: 200, body: 'bank callback' }));
    return { context, page };
  }

  async function activationCode(nin: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/identity/accounts/${nin}/activation-code`,
      headers: { authorization: `Bearer ${agentKey}` },
      payload: { purpose: 'enrol' },
    });
    return res.json().code;
  }

  async function enrolUpToFactor(page: Page, nin: string) {
    await page.goto(`${base}/enrol`);
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Code d’activation').fill(await activationCode(nin));
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByLabel('Mot de passe', { exact: true }).fill('Thieboudienne-du-dimanche-26');
    await page.getByLabel('Le même mot de passe, encore une fois').fill('Thieboudienne-du-dimanche-26');
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByRole('heading', { name: 'Ajoutez un second facteur' }).waitFor();
  }

  async function signIn(page: Page, acr: string, act: (page: Page) => Promise<void>) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: callback,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      acr_values: acr,
    });
    await page.goto(url.href);
    await act(page);
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await page.waitForURL(`${callback}**`);
    const tokens = await client.authorizationCodeGrant(rp, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return tokens.claims()!;
  }

  it('enrols with an authenticator app from the QR code, then signs in at substantial with password and TOTP', async () => {
    const { context, page } = await newPage();
    const nin = nins[0]!;
    await enrolUpToFactor(page, nin);
    expect(await page.locator('.qr svg').isVisible()).toBe(true);
    const key = (await page.locator('main code').first().innerText()).replace(/\s/g, '');
    await page.getByLabel('Code à 6 chiffres de votre application d’authentification').fill(totpCode(key));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Vos codes de secours' }).waitFor();
    expect(await page.locator('.codes li').count()).toBe(10);

    const claims = await signIn(page, 'substantial', async (p) => {
      await p.getByLabel('Numéro d’identification national (NIN)').fill(nin);
      await p.getByLabel('Mot de passe').fill('Thieboudienne-du-dimanche-26');
      await p.getByRole('button', { name: 'Se connecter' }).click();
      await p.getByLabel('Code à 6 chiffres de votre application d’authentification').fill(totpCode(key, 1));
      await p.getByRole('button', { name: 'Vérifier' }).click();
    });
    expect(claims.acr).toBe('substantial');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
    await context.close();
  });

  it('enrols a passkey with Chromium’s virtual authenticator, then signs in with it alone at high', async () => {
    const { context, page } = await newPage();
    await addVirtualAuthenticator(context, page);
    await enrolUpToFactor(page, nins[1]!);
    await page.getByLabel('Nom de cet appareil').fill('Téléphone de test');
    await page.getByRole('button', { name: 'Créer une clé d’accès' }).click();
    await page.getByRole('heading', { name: 'Vos codes de secours' }).waitFor();
    const stored = await t.db.database.query<{ name: string }>(
      "SELECT name FROM identity_factors WHERE kind = 'passkey'",
    );
    expect(stored.map((r) => r.name)).toContain('Téléphone de test');

    const claims = await signIn(page, 'high', async (p) => {
      await p.getByRole('button', { name: 'Utiliser une clé d’accès' }).click();
    });
    expect(claims.acr).toBe('high');
    expect(claims.amr).toEqual(expect.arrayContaining(['hwk']));
    await context.close();
  });

  it('speaks French, Wolof and English, labels every field and fits a small phone screen', async () => {
    const { context, page } = await newPage();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: callback,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    await page.goto(url.href);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Se connecter avec Jokko');
    await page.getByRole('link', { name: 'Wolof' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('wo');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Duggu ak Jokko');
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Sign in with Jokko');
    // Every visible field has a label; the page does not scroll sideways at 360 px.
    const unlabelled = await page.$$eval('input:not([type=hidden])', (inputs) =>
      inputs.filter((i) => !(i as HTMLInputElement).labels?.length).map((i) => i.id),
    );
    expect(unlabelled).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // The keyboard reaches the NIN field first in the form.
    await page.getByLabel('National identification number (NIN)').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    // A wrong password answers in the chosen language, announced to screen readers.
    await page.getByLabel('National identification number (NIN)').fill(nins[0]!);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toBe('Incorrect NIN or password.');
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
