import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/server/modules/identity/index.ts';
import { getPerson } from '../src/server/modules/registries/index.ts';
import { systemActor } from '../src/server/platform/actor.ts';
import { callApi, freePort, type TestApp } from '../src/server/testing.ts';
import { hasBrowser, launchBrowser } from './browser.ts';
import { onboardPartner } from './partners.ts';
import { type DemoServer, peopleBornBefore, startDemoServer, superAppToken } from './server.ts';

const password = 'Yassa-au-poulet-du-vendredi-26';

/**
 * The demo bank (examples/bank) as its own process, onboarded through the partner API, used in
 * Chromium: "Se connecter avec Jokko", approve the data request on Jokko's page, the loan form
 * arrives filled from the bridge; the citizen revokes in Jokko and the bank's next read is refused.
 */
describe.skipIf(!hasBrowser())('the demo bank in Chromium, on the real server', () => {
  let server: DemoServer;
  let t: TestApp;
  let base: string;
  let bankUrl: string;
  let bank: ChildProcess | undefined;
  let browser: Browser;
  let dir: string;
  let nin: string;
  let citizenToken: string;
  const bankOutput: string[] = [];

  /** The citizen's own calls, as the super-app makes them. */
  const api = (method: string, path: string, body?: unknown) =>
    callApi(base, method, path, citizenToken, body);

  beforeAll(async () => {
    server = await startDemoServer({ people: 30, seed: 'bank-e2e', web: false });
    ({ t, base } = server);
    const bankPort = await freePort();
    bankUrl = `http://localhost:${bankPort}`;
    nin = (await peopleBornBefore(server, '2006-01-01'))[0]!.nin;
    await createAccount(server.database, nin, password);

    // The bank onboards as any partner would: apply, approval by an operator, credentials once.
    const key = generateKeyPairSync('ed25519');
    const credentials = await onboardPartner(
      base,
      await t.keyFor({ kind: 'operator', roles: ['partners:admin'] }),
      {
        organisation: 'BTERANGA',
        legalName: 'Banque Teranga SA',
        contact: { name: 'Intégration', email: 'integration@teranga.example' },
        purpose: 'Loan applications pre-filled from state registries with the citizen’s consent.',
        services: [
          'SN/GOV/DAF/registries/people/v1',
          'SN/GOV/DGID/registries/tax-records/v1',
          'SN/GOV/DGID/registries/land-titles/v1',
        ],
        subsystemCode: 'loans',
        keys: [{ keyid: 'loans-e2e', alg: 'ed25519', publicKeyJwk: key.publicKey.export({ format: 'jwk' }) }],
        redirectUris: [`${bankUrl}/callback`],
      },
    );
    dir = mkdtempSync(join(tmpdir(), 'jokko-bank-'));
    writeFileSync(join(dir, 'key.pem'), key.privateKey.export({ format: 'pem', type: 'pkcs8' }), {
      mode: 0o600,
    });
    writeFileSync(
      join(dir, 'bank.json'),
      JSON.stringify({
        jokkoUrl: base,
        ...credentials,
        privateKeyFile: join(dir, 'key.pem'),
        port: bankPort,
      }),
      { mode: 0o600 },
    );
    bank = spawn(process.execPath, ['examples/bank/server.ts'], {
      env: { ...process.env, BANK_CONFIG: join(dir, 'bank.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bank.stdout?.on('data', (d) => bankOutput.push(String(d)));
    bank.stderr?.on('data', (d) => bankOutput.push(String(d)));
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${bankUrl}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i === 99) throw new Error(`the bank did not start: ${bankOutput.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // The citizen's Jokko app session, to manage consents (the super-app's own screens come with issue 6).
    citizenToken = await superAppToken(server, nin, password);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    bank?.kill('SIGTERM');
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signInAtBank(page: Page, answer: 'Autoriser' | 'Refuser') {
    await page.goto(`${bankUrl}/`);
    await page.getByRole('link', { name: 'Se connecter avec Jokko' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    // Jokko's page names the bank, the purpose and the data asked for.
    await page
      .getByRole('heading', { name: /Banque Teranga \(fictive\) demande aussi des données/ })
      .waitFor();
    expect(await page.locator('#data-request + p').innerText()).toContain(
      'Étude de votre demande de prêt immobilier',
    );
    await page.getByRole('button', { name: answer }).click();
  }

  it('logs in with Jokko, the citizen consents, the form arrives filled; after revocation the bank is refused', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    await signInAtBank(page, 'Autoriser');
    await page.waitForURL(`${bankUrl}/application`);
    const person = await getPerson(server.registries, systemActor('t'), nin);
    expect(await page.getByLabel('NIN').inputValue()).toBe(nin);
    expect(await page.getByLabel('Nom', { exact: true }).inputValue()).toBe(person.familyName);
    expect(await page.getByLabel('Prénoms').inputValue()).toBe(person.givenNames);
    expect(await page.getByLabel('Adresse').inputValue()).toContain(person.address.locality);
    expect(await page.locator('table, #no-taxes').count()).toBeGreaterThan(0);

    // The citizen sees the bank's reads in the data tracker.
    const accesses = await api('GET', '/me/data-accesses');
    expect(
      accesses.body.items.filter(
        (a: { client: string; refused: boolean }) => a.client === 'SN/COM/BTERANGA/loans' && !a.refused,
      ).length,
    ).toBeGreaterThanOrEqual(3);

    const consents = await api('GET', '/me/consents');
    const consent = consents.body.items.find(
      (c: { partner: string }) => c.partner === 'SN/COM/BTERANGA/loans',
    );
    expect(consent.status).toBe('ACTIVE');
    const revoked = await api('POST', `/me/consents/${consent.id}/status`, { action: 'revoke' });
    expect(revoked.body.status).toBe('REVOKED');

    const refused = await page.goto(`${bankUrl}/application`);
    expect(refused?.status()).toBe(403);
    const problem = page.locator('#problem');
    expect(await problem.getAttribute('data-problem-type')).toBe('urn:jokko:problem:consent-inactive');
    expect(await problem.innerText()).toContain('REVOKED');
    await context.close();
  });

  it('a citizen who refuses goes back to the bank with nothing read', async () => {
    const context = await browser.newContext({ locale: 'fr-SN' });
    const page = await context.newPage();
    const before = (await api('GET', '/me/data-accesses')).body.items.length;
    await signInAtBank(page, 'Refuser');
    await page.waitForURL(`${bankUrl}/callback**`);
    expect(await page.locator('#message').innerText()).toContain('Vous avez refusé');
    expect((await api('GET', '/me/data-accesses')).body.items.length).toBe(before);
    await context.close();
  });
});
