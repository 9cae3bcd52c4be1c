import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQrFromPdf } from '../src/server/modules/eservices/index.ts';
import { createAccount } from '../src/server/modules/identity/index.ts';
import { getPerson } from '../src/server/modules/registries/index.ts';
import { systemActor } from '../src/server/platform/actor.ts';
import { type TrustList, verifyPresentation, verifyTrustList } from '../src/shared/documents/index.ts';
import { accessibilityViolations, hasBrowser, launchBrowser, screenshots } from './browser.ts';
import { type DemoServer, peopleBornBefore, startDemoServer } from './server.ts';

const password = 'Thieboudienne-du-vendredi-2026';
const shoot = screenshots('wallet-');

/**
 * The wallet of the super-app in Chromium on the real server: a national ID issued to a key of the
 * phone, shown by QR with "18 or older" alone, verified in Node as any verifier would (trust list
 * checked against the anchor, status list over HTTP), shown again offline from IndexedDB, then
 * removed from the phone and revoked.
 */
describe.skipIf(!hasBrowser())('the wallet in the super-app', () => {
  let server: DemoServer;
  let base: string;
  let browser: Browser;
  let nin: string;
  /** Another citizen who borrows the same phone. */
  let neighbour: string;

  beforeAll(async () => {
    server = await startDemoServer({ people: 30, seed: 'wallet-e2e' });
    ({ base } = server);
    const adults = await peopleBornBefore(server, '2000-01-01');
    nin = adults[0]!.nin;
    neighbour = adults[1]!.nin;
    await createAccount(server.database, nin, password);
    await createAccount(server.database, neighbour, password);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.t.dispose();
  });

  /** What a verifier holds: the trust list checked against the pinned anchor, status lists over HTTP. */
  async function verify(presentation: string) {
    const anchor = (await (await fetch(`${base}/v1/documents/trust-anchor`)).json()) as {
      keys: JsonWebKey[];
    };
    const trustList: TrustList = await verifyTrustList(
      await (await fetch(`${base}/v1/documents/trust-list`)).text(),
      anchor.keys,
      new Date(),
    );
    return verifyPresentation(presentation, {
      trustList,
      statusList: async (uri) => {
        const res = await fetch(uri);
        if (!res.ok) throw new Error(`status list ${res.status}`);
        return res.text();
      },
      now: new Date(),
      maxAgeSeconds: 300,
      expectedAudience: `${base}/verify`,
    });
  }

  it('adds the national ID, shows "18 or older" alone by QR, works offline, and is revoked when removed', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    const tab = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
    const violations: Record<string, string[]> = {};
    const person = await getPerson(server.registries, systemActor('t'), nin);
    const holder = `${person.givenNames} ${person.familyName}`;
    const idCard = "Carte nationale d'identité";

    await page.goto(`${base}/app`);
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await page.getByRole('heading', { name: `Bonjour ${person.givenNames}` }).waitFor();
    // Documents is the first card of the home screen, and a tab.
    expect(await page.locator('.shortcuts .shortcut strong').first().innerText()).toBe('Documents');

    await tab('Documents').click();
    await page.getByRole('heading', { name: 'Mes documents', level: 1 }).waitFor();
    await page.getByText('Aucun document sur ce téléphone pour l’instant.').waitFor();
    await page.getByRole('button', { name: `Ajouter : ${idCard}` }).click();
    await page.getByText(`${idCard} : ajouté à ce téléphone.`).waitFor();
    const card = page.getByRole('link', { name: new RegExp(`^${idCard}.*${holder}`) });
    await card.waitFor();
    await expect(card.innerText()).resolves.toContain('Délivré par');
    await page.getByRole('button', { name: `Ajouter : ${idCard}` }).waitFor({ state: 'detached' });
    // The key is in IndexedDB as a non-extractable CryptoKey; nothing in web storage.
    const stored = await page.evaluate(
      () =>
        new Promise<{ extractable: boolean; type: string; algorithm: string }[]>((resolve, reject) => {
          const open = indexedDB.open('jokko-wallet');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('documents').objectStore('documents').getAll();
            get.onsuccess = () =>
              resolve(
                (get.result as Array<{ holderKey: CryptoKey }>).map(({ holderKey: k }) => ({
                  extractable: k.extractable,
                  type: k.type,
                  algorithm: (k.algorithm as EcKeyAlgorithm).namedCurve,
                })),
              );
          };
        }),
    );
    expect(stored).toEqual([{ extractable: false, type: 'private', algorithm: 'P-256' }]);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toMatch(
      /~|eyJ/,
    );
    await shoot(page, 'list');
    violations.list = await accessibilityViolations(page);

    await card.click();
    await page.getByRole('heading', { name: idCard, level: 1 }).waitFor();
    await page.getByText(person.nin, { exact: true }).waitFor();
    await shoot(page, 'card');
    violations.card = await accessibilityViolations(page);
    // The national ID's preset: "18 or older", nothing else.
    expect(
      await page.getByRole('button', { name: '18 ans ou plus seulement' }).getAttribute('aria-pressed'),
    ).toBe('true');
    const ticked = await page
      .getByRole('checkbox', { checked: true })
      .evaluateAll((boxes) => boxes.map((b) => b.closest('label')?.textContent));
    expect(ticked).toEqual(['18 ans ou plus']);
    await page.getByRole('button', { name: 'Afficher le QR code' }).click();
    const qr = page.getByRole('img', { name: `QR code de vérification, ${idCard} : 18 ans ou plus` });
    await qr.waitFor();
    expect((await qr.boundingBox())!.width).toBeGreaterThanOrEqual(280);
    await page.getByText(/^Valable encore [23]:\d\d$/).waitFor();
    const link = await page.getByLabel('Lien de vérification, à copier').inputValue();
    expect(link.startsWith(`${base}/verify#`)).toBe(true);
    const presentation = link.slice(link.indexOf('#') + 1);
    const checked = await verify(presentation);
    expect(checked, JSON.stringify(checked)).toMatchObject({
      valid: true,
      issuer: { identifier: 'DAF' },
      documentType: 'national-id',
    });
    expect((checked as { claims: unknown }).claims).toEqual({ age_equal_or_over: { 18: true } });
    await shoot(page, 'qr');
    violations.qr = await accessibilityViolations(page);

    // Wolof: the screen's words change, the names and numbers stay.
    const french = await page.locator('main').innerText();
    // Claim values (names, dates, places) are the register's, the same in any language.
    const values = new Set((await page.locator('main dd').allInnerTexts()).map((v) => v.trim()));
    await page.getByLabel('Langue').first().selectOption('wo');
    await page.getByRole('heading', { name: 'QR kood bi ngay won' }).waitFor();
    await page.getByRole('heading', { name: 'Kàrtu identite', level: 1 }).waitFor();
    const wolof = await page.locator('main').innerText();
    expect(wolof).not.toMatch(/superapp\.|\{\{/);
    const frenchLines = new Set(french.split('\n').map((l) => l.trim()));
    const same = wolof
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /\p{L}{3}/u.test(l) && frenchLines.has(l) && !values.has(l) && l !== holder);
    expect(same).toEqual([]);
    await page.getByLabel('Làkk').first().selectOption('fr');
    await page.getByRole('heading', { name: 'QR code à montrer' }).waitFor();

    // Offline: the wallet is on the phone; the card opens and a new QR code is signed there.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await page.getByRole('heading', { name: idCard, level: 1 }).waitFor();
    await context.setOffline(true);
    await page.goto(`${base}/app/documents`);
    await page.getByText('Hors ligne', { exact: false }).first().waitFor();
    await page.getByText('Pour ajouter un document, il faut une connexion.').waitFor();
    await card.click();
    await page.getByRole('heading', { name: idCard, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Afficher le QR code' }).click();
    await qr.waitFor();
    const offlineLink = await page.getByLabel('Lien de vérification, à copier').inputValue();
    expect(offlineLink).not.toBe(link);
    await context.setOffline(false);
    expect(await verify(offlineLink.slice(offlineLink.indexOf('#') + 1))).toMatchObject({ valid: true });

    // A shared phone: after a sign-out, another citizen signing in sees none of the first one's
    // documents; the first one gets them back on signing in again.
    await page.goto(`${base}/app/settings`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Me déconnecter' }).click();
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(neighbour);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await tab('Documents').click();
    await page.getByText('Aucun document sur ce téléphone pour l’instant.').waitFor();
    expect(await page.getByRole('link', { name: new RegExp(`^${idCard}`) }).count()).toBe(0);
    await page.goto(`${base}/app/settings`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Me déconnecter' }).click();
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    // Signing out ended the identity session, and the app's consent with it.
    await page.getByRole('button', { name: 'Autoriser' }).click();
    await tab('Documents').click();
    await card.click();

    // The same document on paper: the PDF's QR opens the verifier, which says "paper copy".
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger sur papier (PDF)' }).click(),
    ]);
    const pdf = new Uint8Array(readFileSync((await download.path())!));
    const paperLink = await readQrFromPdf(pdf);
    expect(paperLink.startsWith(`${base}/verify#`)).toBe(true);
    const verifier = await context.newPage();
    await verifier.goto(paperLink);
    await verifier.getByText('Copie papier : le document est authentique').waitFor();
    await verifier.close();

    // Back online (signed in again silently): removed from the phone and revoked on the server.
    await page.reload();
    await page.getByRole('heading', { name: idCard, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Retirer de ce téléphone' }).click();
    await page.getByRole('heading', { name: 'Retirer ce document de ce téléphone ?' }).waitFor();
    await page.getByRole('button', { name: 'Retirer et révoquer' }).click();
    await page.getByText('Document retiré de ce téléphone et révoqué.').waitFor();
    await page.getByText('Aucun document sur ce téléphone pour l’instant.').waitFor();
    await page.getByRole('button', { name: `Ajouter : ${idCard}` }).waitFor();
    expect(await verify(presentation)).toMatchObject({ valid: false, reason: 'revoked' });
    const [row] = await server.database.query<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM documents_credentials WHERE revoked_at IS NOT NULL',
    );
    expect(row?.revoked_reason).toBe('removed from the phone by its holder');

    for (const [screen, found] of Object.entries(violations)) expect(found, screen).toEqual([]);
    await context.close();
  }, 120_000);
});
