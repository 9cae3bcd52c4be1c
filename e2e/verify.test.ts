import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/server/modules/identity/index.ts';
import type { Person } from '../src/server/modules/registries/index.ts';
import { callApi, type TestApp } from '../src/server/testing.ts';
import { type HolderKeyPair, holderKeyPair, presentCredential } from '../src/shared/documents/index.ts';
import { accessibilityViolations, hasBrowser, launchBrowser, screenshots } from './browser.ts';
import { peopleBornBefore, startDemoServer, superAppToken } from './server.ts';

const password = 'Verifier-au-poste-de-Thies-2026';
const shoot = screenshots('');

/** One disclosure of a presentation with its value changed, everything else as presented. */
function tamperWith(presentation: string, claim: string, value: unknown): string {
  const parts = presentation.split('~');
  const index = parts.findIndex((part, i) => {
    if (i === 0 || i === parts.length - 1 || !part) return false;
    return JSON.parse(Buffer.from(part, 'base64url').toString())[1] === claim;
  });
  if (index < 0) throw new Error(`no disclosure of ${claim}`);
  const [salt, name] = JSON.parse(Buffer.from(parts[index]!, 'base64url').toString());
  parts[index] = Buffer.from(JSON.stringify([salt, name, value])).toString('base64url');
  return parts.join('~');
}

/**
 * The document verifier in Chromium on the real server: a national ID issued to a wallet key (in
 * Node, as the wallet does in the browser), presented as the QR's link, verified in the page; then
 * with the network cut, fresh presentations still verify from the kept lists and the forged ones
 * are refused with their reason in words; back online, a revoked document is refused. axe-core on
 * every verdict.
 */
describe.skipIf(!hasBrowser())('the document verifier (/verify) in Chromium, offline once loaded', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let citizen: Person;
  let token: string;

  beforeAll(async () => {
    const server = await startDemoServer({ people: 30, seed: 'verify-e2e' });
    ({ t, base } = server);
    citizen = (await peopleBornBefore(server, '2000-01-01'))[0]!;
    await createAccount(server.database, citizen.nin, password);
    token = await superAppToken(server, citizen.nin, password);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  const api = (method: string, path: string, body?: unknown) => callApi(base, method, path, token, body);

  it('verifies a presented national ID in the page, offline from the kept lists, refuses forgeries in words, and a revoked document once online', async () => {
    const wallet = await holderKeyPair();
    const issued = await api('POST', '/me/documents', { type: 'national-id', holderKey: wallet.publicJwk });
    expect(issued.status).toBe(201);
    const present = (options: { key?: HolderKeyPair; now?: Date; audience?: string } = {}) =>
      presentCredential({
        credential: issued.body.credential,
        disclose: ['given_name', 'family_name', 'birthdate', 'age_equal_or_over.18'],
        holderKey: (options.key ?? wallet).privateKey,
        audience: options.audience ?? 'jokko-verifier',
        nonce: crypto.randomUUID(),
        now: options.now ?? new Date(),
      });
    const trustList = decodeJwt(await (await fetch(`${base}/v1/documents/trust-list`)).text()) as {
      issuers: Array<{ identifier: string; name: string }>;
    };
    const daf = trustList.issuers.find((i) => i.identifier === 'DAF')!;

    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-FR' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const violations: Record<string, string[]> = {};
    /** A full load of the QR's link, as a phone's camera app opens it. */
    const open = async (presentation: string) => {
      await page.goto('about:blank');
      await page.goto(`${base}/verify#${presentation}`);
    };
    /** Waits for the verdict; on a wrong one, the failure says what the page shows instead. */
    const verdict = async (word: 'Valide' | 'Non valide' | 'Vérification impossible') => {
      try {
        await page.getByRole('heading', { name: word, exact: true, level: 2 }).waitFor({ timeout: 30_000 });
      } catch (error) {
        const shown = await page
          .locator('.verdict-region')
          .innerText({ timeout: 1_000 })
          .catch(() => '(no verdict region)');
        throw new Error(`expected the verdict "${word}"; the page at ${page.url()} shows: ${shown}`, {
          cause: error,
        });
      }
    };

    // A first visit online: the anchor is pinned, the trust list kept, the service worker installed.
    await page.goto(`${base}/verify`);
    await page
      .getByText('Ce téléphone garde la liste des administrations de confiance, mise à jour à l’instant.')
      .waitFor();
    await page.waitForFunction(async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    });
    expect(
      await page.evaluate(() => document.querySelector('link[rel="manifest"]')?.getAttribute('href')),
    ).toBe('/verify.webmanifest');
    violations.empty = await accessibilityViolations(page);

    // The QR's link: valid, with the holder's claims, the administration, fresh lists.
    await open(await present());
    await verdict('Valide');
    const section = page.locator('.verdict.valid');
    const text = await section.innerText();
    expect(text).toContain("Carte nationale d'identité");
    expect(text).toContain(`${daf.name} (DAF)`);
    expect(text).toContain(citizen.familyName);
    expect(text).toContain(citizen.givenNames);
    const birthdate = new Intl.DateTimeFormat('fr-SN', { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(citizen.birthDate),
    );
    expect(await section.locator('.row', { hasText: 'Date de naissance' }).locator('dd').innerText()).toBe(
      birthdate,
    );
    expect(await section.locator('.row', { hasText: 'Âge : 18 ans ou plus' }).locator('dd').innerText()).toBe(
      'Oui',
    );
    expect(text).toContain('Liste des documents révoqués de DAF mise à jour à l’instant.');
    // The verdict has the focus, and the citizen's claims left the address bar (and the history).
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('verdict-region');
    expect(page.url()).toBe(`${base}/verify`);
    violations.valid = await accessibilityViolations(page);
    await shoot(page, 'verify-document-valid');

    // The network cut: the page loads from the service worker, a fresh presentation verifies from
    // the kept trust list and status list.
    await context.setOffline(true);
    await open(await present());
    await verdict('Valide');
    expect(
      await page.evaluate(() =>
        fetch('/v1/documents/trust-anchor', { cache: 'no-store' }).then(
          () => 'reached',
          () => 'unreachable',
        ),
      ),
    ).toBe('unreachable');
    expect(await page.locator('.verdict.valid').innerText()).toContain(citizen.familyName);

    // A disclosure changed after issuance.
    await open(tamperWith(await present(), 'family_name', 'Diop-Falsifié'));
    await verdict('Non valide');
    await page
      .getByText('Une des informations montrées a été modifiée ou ajoutée après la délivrance du document.')
      .waitFor();
    violations.tampered = await accessibilityViolations(page);

    // The credential presented with another phone's key (a copied credential).
    await open(await present({ key: await holderKeyPair() }));
    await verdict('Non valide');
    await page
      .getByText('Le code n’a pas été produit par le téléphone auquel le document a été délivré', {
        exact: false,
      })
      .waitFor();

    // A presentation made for a bank cannot be replayed at the counter.
    await open(await present({ audience: 'https://bank.example' }));
    await verdict('Non valide');
    await page.getByText('code destiné à un autre vérificateur', { exact: false }).waitFor();

    // A QR code made ten minutes ago.
    await open(await present({ now: new Date(Date.now() - 10 * 60_000) }));
    await verdict('Non valide');
    await page.getByText('Le code n’est plus d’actualité', { exact: false }).waitFor();
    violations.expired = await accessibilityViolations(page);

    // A pasted link verifies too; a pasted text that is no document says so.
    await page.getByLabel('Lien ou code du document').fill('bonjour');
    await page.getByRole('button', { name: 'Vérifier', exact: true }).click();
    await verdict('Non valide');
    await page.getByText('Le code est incomplet ou abîmé', { exact: false }).waitFor();
    await page.getByLabel('Lien ou code du document').fill(`${base}/verify#${await present()}`);
    await page.getByRole('button', { name: 'Vérifier', exact: true }).click();
    await verdict('Valide');

    // A phone that lost its kept lists, offline: no verdict on the document, and it says why. The
    // lists are wiped in the very document that then checks (a wipe made in the previous document
    // could reach the storage after the next one has read it), and the code arrives as a scan does.
    await page.goto('about:blank');
    await page.goto(`${base}/verify`);
    await page.getByRole('button', { name: 'Vérifier', exact: true }).waitFor();
    expect(
      await page.evaluate(() => {
        localStorage.clear();
        return localStorage.length;
      }),
    ).toBe(0);
    const lost = await present();
    await page.evaluate((code) => {
      location.hash = code;
    }, lost);
    await verdict('Vérification impossible');
    await page
      .getByText('Ce téléphone n’a pas encore la liste des administrations de confiance.', { exact: false })
      .waitFor();
    violations.cannotCheck = await accessibilityViolations(page);

    // Back online, the holder revokes the document (a lost phone): the fresh status list says so.
    await context.setOffline(false);
    const revoked = await api('POST', `/me/documents/${issued.body.id}/revoke`, { reason: 'phone lost' });
    expect(revoked.status).toBe(204);
    await open(await present());
    await verdict('Non valide');
    await page.getByText('Il a été révoqué : perdu, remplacé ou retiré par l’administration.').waitFor();
    expect(await page.locator('.verdict.invalid').innerText()).toContain(
      'Liste des documents révoqués de DAF mise à jour à l’instant.',
    );
    violations.revoked = await accessibilityViolations(page);
    await shoot(page, 'verify-document-revoked');

    for (const [screen, found] of Object.entries(violations)) expect(found, screen).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
