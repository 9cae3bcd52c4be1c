import { generateKeyPairSync } from 'node:crypto';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/server/modules/audit/index.ts';
import { createBridgeClient } from '../src/server/modules/bridge/index.ts';
import {
  cibaGrantType,
  createAccount,
  registerClient,
  totpCode,
} from '../src/server/modules/identity/index.ts';
import { getPerson, listMyRecords, listPeople } from '../src/server/modules/registries/index.ts';
import type { TestApp } from '../src/server/testing.ts';
import { getCountryProfile } from '../src/shared/countries/index.ts';
import {
  accessibilityViolations,
  addVirtualAuthenticator,
  hasBrowser,
  launchBrowser,
  screenshots,
} from './browser.ts';
import { onboardPartner } from './partners.ts';
import { peopleBornBefore, startDemoServer } from './server.ts';

const password = 'Mafe-et-bissap-du-samedi-2026';
const counterSecret = 'a-long-random-secret-for-the-bank-counter-0123';
const shoot = screenshots('app-');

/** The identity provider's consent page shows on the first sign-in to the app only. */
async function allowIfAsked(page: Page): Promise<void> {
  const allow = page.getByRole('button', { name: 'Autoriser' });
  const hello = page.getByRole('heading', { name: /^Bonjour / });
  await Promise.race([allow.waitFor(), hello.waitFor()]);
  if (await allow.isVisible()) await allow.click();
  await hello.waitFor();
}

/**
 * The citizen super-app at /app in Chromium on the real server: sign in through the national
 * identity, my data, a bank's request approved then revoked, the language switched, a reload that
 * stays signed in, no token in storage, and axe-core's WCAG checks on each screen.
 */
describe.skipIf(!hasBrowser())('the super-app in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let nin: string;
  let requestId: string;
  /** The bank reads the citizen's tax status through the bridge under the approved consent. */
  let readTaxRecords: () => Promise<void>;

  beforeAll(async () => {
    const server = await startDemoServer({ people: 30, seed: 'superapp-e2e' });
    ({ t, base } = server);
    const database = server.database;
    nin = (await peopleBornBefore(server, '2006-01-01'))[0]!.nin;
    await createAccount(database, nin, password);

    // A bank, admitted as a partner, asks this citizen (by NIN) for their tax status.
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return (await res.json()) as Record<string, never>;
    };
    const partnerKey = generateKeyPairSync('ed25519');
    const credentials = await onboardPartner(
      base,
      await t.keyFor({ kind: 'operator', roles: ['partners:admin'] }),
      {
        organisation: 'BAOBAB',
        legalName: 'Baobab Crédit SA',
        contact: { name: 'Intégration', email: 'integration@baobab.example' },
        purpose: 'Credit assessment with the citizen’s consent, for the super-app test.',
        services: ['SN/GOV/DGID/registries/tax-records/v1'],
        subsystemCode: 'credit',
        keys: [
          { keyid: 'credit-1', alg: 'ed25519', publicKeyJwk: partnerKey.publicKey.export({ format: 'jwk' }) },
        ],
        redirectUris: ['http://localhost:4999/callback'],
      },
    );
    const request = (await post(
      '/consents/requests',
      {
        partnerSubsystemId: credentials.bridge.subsystemId,
        nin,
        services: ['SN/GOV/DGID/registries/tax-records/v1'],
        purpose: 'credit-assessment',
        validDays: 30,
        frequency: { type: 'recurring', perDay: 5 },
        dataLifeDays: 90,
      },
      { authorization: `Bearer ${credentials.apiKey}` },
    )) as unknown as { id: string };
    requestId = request.id;
    readTaxRecords = async () => {
      const [row] = await database.query<{ id: string }>(
        'SELECT consent_id AS id FROM consent_requests WHERE id = $1',
        [requestId],
      );
      const bridge = createBridgeClient({
        bridgeUrl: base,
        client: credentials.bridge.client,
        keyid: 'credit-1',
        privateKey: partnerKey.privateKey,
        alg: 'ed25519',
      });
      // The consent reaches the bridge's snapshot within its poll.
      for (let tries = 0; ; tries++) {
        const answer = await bridge.call({
          service: 'SN/GOV/DGID/registries/tax-records/v1',
          path: `/people/${nin}/tax-records`,
          subject: nin,
          consent: row!.id,
        });
        if (answer.status === 200) return;
        if (tries > 40) throw new Error(`the bridge answered ${answer.status}: ${answer.body.toString()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  it('signs in, shows my data, approves then revokes a consent, switches language, stays signed in on reload, opens offline', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    const violations: Record<string, string[]> = {};
    const tab = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });

    await page.goto(`${base}/app`);
    // A first visit: the sign-in screen at once, no round trip to the identity provider.
    await page.getByRole('heading', { name: 'Bienvenue dans Jokko' }).waitFor();
    await shoot(page, 'signin');
    violations.signIn = await accessibilityViolations(page);
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Autoriser' }).click();

    const person = await getPerson(
      { database: t.db.database, audit: createAuditLog(t.db.database), country: getCountryProfile('SN') },
      { kind: 'system', id: 't', roles: ['*'] },
      nin,
    );
    await page.getByRole('heading', { name: `Bonjour ${person.givenNames}` }).waitFor();
    await page.getByText('1 demande d’accès à vos données attend votre réponse').waitFor();
    await shoot(page, 'home');
    violations.home = await accessibilityViolations(page);
    // The token lives in memory only.
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(storage).not.toMatch(/token|eyJ/i);
    expect(JSON.parse(storage)).toEqual({ 'jokko.returning': '1' });

    await tab('Mes données').click();
    await page.getByRole('heading', { name: 'Mes données' }).waitFor();
    await page.getByText(person.familyName, { exact: true }).waitFor();
    expect(await page.getByText(nin, { exact: true }).count()).toBe(1);
    // Every other register that holds something in the citizen's name, each with its administration.
    const groups = await listMyRecords(
      { database: t.db.database, audit: createAuditLog(t.db.database), country: getCountryProfile('SN') },
      { kind: 'system', id: 't', roles: ['*'] },
      nin,
    );
    await page.getByRole('heading', { name: 'Dans les autres registres' }).waitFor();
    await page
      .locator('.records')
      .first()
      .waitFor({ state: groups.length ? 'visible' : 'detached' });
    expect(await page.locator('.records').count()).toBe(groups.length);
    for (const g of groups)
      await page.getByText(`Source : ${g.owner.name}`, { exact: true }).first().waitFor();
    await shoot(page, 'data');
    violations.data = await accessibilityViolations(page);

    // The consents are part of "My data" (the wallet took their tab).
    await tab('Mes données').click();
    await page.getByRole('link', { name: /^Mes accords/ }).click();
    await page.getByRole('heading', { name: 'Baobab Crédit (fictif) demande à lire vos données' }).waitFor();
    expect(await page.getByText('Situation fiscale (DGID)').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Accepter' }).click();
    await page.getByText('Accord donné.').waitFor();
    await page.getByText('Actif', { exact: true }).waitFor();
    // The bank reads the tax status once under the consent: it shows in the data tracker below.
    await readTaxRecords();
    await shoot(page, 'consents');
    violations.consents = await accessibilityViolations(page);
    await page.getByRole('button', { name: 'Retirer l’accord' }).click();
    await page.getByRole('button', { name: 'Confirmer le retrait' }).click();
    await page.getByText('Retiré', { exact: true }).waitFor();
    const [consent] = await t.db.database.query<{ status: string }>(
      'SELECT c.status FROM consents c JOIN consent_requests r ON r.consent_id = c.id WHERE r.id = $1',
      [requestId],
    );
    expect(consent?.status).toBe('REVOKED');

    await tab('Messages').click();
    await page.getByRole('heading', { name: 'Mes messages' }).waitFor();
    await page.getByText('BAOBAB · credit demande à lire vos données : répondez dans Accords').waitFor();
    await shoot(page, 'inbox');
    violations.inbox = await accessibilityViolations(page);

    // The data tracker is part of "My data" (six tabs fit a phone).
    await tab('Mes données').click();
    await page.getByRole('link', { name: /^Qui a consulté mes données/ }).click();
    await page.getByRole('heading', { name: 'Qui a consulté mes données' }).waitFor();
    // The phone checks by itself that the bank's reading is in the transparency log, and keeps the
    // log's head and keys as a witness does.
    const reading = page.locator('.accesses li', { hasText: 'Situation fiscale (DGID)' });
    await reading.getByText('Avec votre accord').waitFor();
    await reading.getByRole('button', { name: 'Vérifier dans le journal public' }).click();
    await reading
      .getByText(/^Vérifié sur ce téléphone : cette consultation est dans le journal public/)
      .waitFor();
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('jokko.audit.witness') ?? '{}'));
    expect(kept.head.treeSize).toBeGreaterThan(0);
    expect(kept.keys.length).toBeGreaterThan(0);
    await shoot(page, 'tracker');
    violations.tracker = await accessibilityViolations(page);

    // Every visible string changes with the language, and no translation key shows.
    await tab('Réglages').click();
    await page.getByRole('heading', { name: 'Réglages' }).waitFor();
    await shoot(page, 'settings');
    violations.settings = await accessibilityViolations(page);
    const french = await page.locator('body').innerText();
    await page.getByLabel('Langue').first().selectOption('en');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const english = await page.locator('body').innerText();
    expect(english).not.toMatch(/superapp\.|\{\{/);
    const frenchLines = new Set(
      french
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    const unchanged = english
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /\p{L}/u.test(l) && frenchLines.has(l));
    // Only names stay the same (the brand, the language names); icons carry no words.
    expect(unchanged.filter((l) => !['Jokko', 'Français', 'Wolof', 'English'].includes(l))).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    // A reload keeps the citizen signed in (silent sign-in on the identity session).
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await tab('My data').click();
    await page.getByText(person.familyName, { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'In the other registers' }).waitFor();
    expect(await page.locator('body').innerText()).not.toMatch(/superapp\.|\{\{/);

    // 200% zoom (WCAG 1.4.4 and 1.4.10): the same screens at half the width scroll only vertically.
    await page.setViewportSize({ width: 180, height: 370 });
    for (const name of [
      'Home',
      'Wallet',
      'Services',
      'My data',
      'Tracker',
      'Consents',
      'Inbox',
      'Settings',
    ]) {
      if (name === 'Tracker') await page.getByRole('link', { name: /^Who read my data/ }).click();
      else if (name === 'Consents') {
        await tab('My data').click();
        await page.getByRole('link', { name: /^My consents/ }).click();
      } else await tab(name).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1)
        console.log(
          'WIDE',
          await page.evaluate(() =>
            [...document.querySelectorAll('body *')]
              .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 8)
              .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
          ),
        );
      expect(overflow, `${name} at 200%`).toBeLessThanOrEqual(1);
    }
    await page.setViewportSize({ width: 360, height: 740 });
    await tab('My data').click();

    // Offline: once the service worker controls the app, what was loaded opens without a network.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await page.getByText(person.familyName, { exact: true }).waitFor();
    await page.locator('.records, h2').last().waitFor();
    await context.setOffline(true);
    await page.reload();
    await page.getByText('Offline: you are seeing the data already loaded on this phone.').waitFor();
    await page.getByText(person.familyName, { exact: true }).waitFor();
    expect(await page.locator('.records').count()).toBe(groups.length);
    await context.setOffline(false);

    for (const [screen, found] of Object.entries(violations)) expect(found, screen).toEqual([]);
    await context.close();
  });

  it('adds a passkey, approves with it a sign-in that a bank started at its counter (CIBA), and signs in with it', async () => {
    await registerClient(
      t.db.database,
      {
        client_id: 'teranga-counter',
        client_secret: counterSecret,
        client_name: 'Banque Teranga — guichet',
        grant_types: [cibaGrantType],
        response_types: [],
        redirect_uris: [],
        backchannel_token_delivery_mode: 'poll',
      },
      t.kms,
    );
    const bank = await client.discovery(
      new URL(`${base}/oidc`),
      'teranga-counter',
      counterSecret,
      undefined,
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    const tab = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
    await page.goto(`${base}/app`);
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await allowIfAsked(page);
    await tab('Réglages').click();
    await page.getByLabel('Nom de ce téléphone').fill('Téléphone de test');
    await page.getByRole('button', { name: 'Ajouter une clé d’accès' }).click();
    await page.getByText('Clé d’accès ajoutée.').waitFor();
    await page.getByText('Clé d’accès — Téléphone de test').waitFor();

    // At the counter, the bank starts the sign-in; the citizen compares the code and approves.
    const started = await client.initiateBackchannelAuthentication(bank, {
      scope: 'openid',
      login_hint: nin,
      binding_message: 'TERANGA 4821',
    });
    await tab('Accueil').click();
    await page.getByRole('heading', { name: 'Banque Teranga — guichet veut vous connecter' }).waitFor();
    expect(await page.locator('.binding').innerText()).toBe('TERANGA 4821');
    await shoot(page, 'approval');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Approuver avec ma clé d’accès' }).click();
    await page.getByText('Connexion à Banque Teranga — guichet approuvée.').waitFor();
    const tokens = await client.pollBackchannelAuthenticationGrant(bank, started);
    expect(tokens.claims()?.acr).toBe('high');

    // The bank appears among the services connected to the identity; withdrawing it ends its tokens.
    expect(await client.fetchUserInfo(bank, tokens.access_token, client.skipSubjectCheck)).toHaveProperty(
      'sub',
    );
    await tab('Réglages').click();
    await page.getByRole('button', { name: 'Retirer l’accès de Banque Teranga — guichet' }).click();
    await page.getByText('Banque Teranga — guichet n’a plus accès à votre identité.').waitFor();
    await expect(client.fetchUserInfo(bank, tokens.access_token, client.skipSubjectCheck)).rejects.toThrow();

    // Signed out, the citizen signs in again with the passkey alone.
    await tab('Réglages').click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Se déconnecter de Jokko' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Me déconnecter' }).click();
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByRole('button', { name: 'Utiliser une clé d’accès' }).click();
    await allowIfAsked(page);
    await context.close();
  });

  it('adds an authenticator app in the app, then signs in with password and TOTP', async () => {
    const database = t.db.database;
    const country = getCountryProfile('SN');
    const other = (
      await listPeople(
        { database, audit: createAuditLog(database), country },
        { kind: 'system', id: 't', roles: ['*'] },
        { limit: 30 },
      )
    ).people.filter((p) => !p.deathDate && p.birthDate < '2006-01-01')[1]!;
    await createAccount(database, other.nin, password);

    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    const tab = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
    const signIn = async () => {
      await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
      await page.getByLabel('Numéro d’identification national (NIN)').fill(other.nin);
      await page.getByLabel('Mot de passe').fill(password);
      await page.getByRole('button', { name: 'Se connecter' }).click();
    };
    await page.goto(`${base}/app`);
    await signIn();
    await allowIfAsked(page);
    await tab('Réglages').click();
    await page.getByRole('button', { name: 'Ajouter une application d’authentification' }).click();
    const secret = (await page.locator('.totp-secret').innerText()).trim();
    expect(
      await page
        .getByRole('img', { name: 'QR code à scanner avec l’application d’authentification' })
        .isVisible(),
    ).toBe(true);
    await page.getByLabel('Code à 6 chiffres').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByText('Application d’authentification', { exact: false }).first().waitFor();
    expect(await page.locator('.totp-secret').count()).toBe(0);
    // One confirmed factor, the one just added (the button is gone: a second needs another route).
    const factors = await database.query<{ kind: string }>(
      'SELECT f.kind FROM identity_factors f JOIN identity_accounts a ON a.id = f.account_id WHERE a.nin = $1 AND f.confirmed',
      [other.nin],
    );
    expect(factors.map((f) => f.kind)).toEqual(['totp']);

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Me déconnecter' }).click();
    await signIn();
    await page
      .getByLabel('Code à 6 chiffres de votre application d’authentification')
      .fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await allowIfAsked(page);
    await page.getByRole('heading', { name: `Bonjour ${other.givenNames}` }).waitFor();
    await context.close();
  });
});
