import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQrFromPdf } from '../src/server/modules/eservices/index.ts';
import {
  accessTokenFor,
  confirmTotp,
  createAccount,
  officeClientId,
  registerClient,
  startTotpEnrolment,
  totpCode,
} from '../src/server/modules/identity/index.ts';
import { type Family, getFamily, type Person } from '../src/server/modules/registries/index.ts';
import { systemActor } from '../src/server/platform/actor.ts';
import { callApi, type TestApp } from '../src/server/testing.ts';
import {
  accessibilityViolations,
  hasBrowser,
  launchBrowser,
  screenshots,
  signInToSuperApp,
} from './browser.ts';
import { peopleBornBefore, startDemoServer } from './server.ts';

const password = 'Thieboudienne-du-vendredi-2026';
const officeSecret = 'a-secret-for-the-test-back-office-client-0123456789';
const officeRedirect = 'https://office.jokko.example/cb';
const criminal = 'sn-criminal-record-extract';
const shoot = screenshots('');
/** At 200% zoom (the 360 px phone seen at 180 CSS px) the page scrolls only vertically. */
async function sidewaysOverflow(page: Page): Promise<number> {
  await page.setViewportSize({ width: 180, height: 370 });
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
  await page.setViewportSize({ width: 360, height: 740 });
  return overflow;
}

/**
 * The Services part of the super-app in Chromium on the real server: the catalogue searched, a
 * criminal record extract started pre-filled from the population register, a field error, a double
 * tap that submits once, a request for information answered, the approval (by an agent, through
 * the API), the signed PDF whose QR opens the public verification page, offline reading, and the
 * public performance page; axe-core on every screen.
 */
describe.skipIf(!hasBrowser())('e-services in the super-app, and the public pages, in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let citizen: Person;
  let family: Family;
  let other: Person;
  let agentToken: string;

  const agentApi = (method: string, path: string, body?: unknown) =>
    callApi(base, method, path, agentToken, body);

  beforeAll(async () => {
    const server = await startDemoServer({ people: 40, seed: 'services-e2e' });
    ({ t, base } = server);
    const { database, registries } = server;
    const system = systemActor('t');
    const adults = await peopleBornBefore(server, '2004-01-01');
    // A citizen whose parents are in the register, so that every pre-filled field has a value.
    for (const p of adults) {
      const f = await getFamily(registries, system, p.nin);
      if (f.father && f.mother) {
        citizen = p;
        family = f;
        break;
      }
    }
    citizen ??= adults[0]!;
    family ??= await getFamily(registries, system, citizen.nin);
    other = adults.find((p) => p.nin !== citizen.nin)!;
    await createAccount(database, citizen.nin, password);

    // An agent of the central criminal record, signed in to the back-office with a second factor.
    const agentAccount = await createAccount(database, other.nin, password);
    const operator = await t.keyFor({ kind: 'operator', roles: ['identity:admin'] });
    const made = await fetch(`${base}/v1/identity/agents/${other.nin}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organisation: 'MJ-CJ', roles: ['instructor', 'decider'] }),
    });
    expect(made.status).toBe(200);
    const factorDeps = { database, audit: registries.audit, publicUrl: base, kms: t.kms };
    const totp = await startTotpEnrolment(factorDeps, agentAccount.id, other.nin);
    expect(await confirmTotp(factorDeps, agentAccount.id, totp.factorId, totpCode(totp.secret, -1))).toBe(
      true,
    );
    await registerClient(
      database,
      {
        client_id: officeClientId,
        client_secret: officeSecret,
        client_name: 'Jokko — back-office',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${base}/office/callback`, officeRedirect],
        default_acr_values: ['substantial'],
      },
      t.kms,
    );
    agentToken = await accessTokenFor(
      base,
      { clientId: officeClientId, secret: officeSecret, redirectUri: officeRedirect },
      { nin: other.nin, password, totp: () => totpCode(totp.secret) },
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  it('applies for a criminal record extract, gets it signed, verifies its QR, reads it offline', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    const violations: Record<string, string[]> = {};
    const overflow: Record<string, number> = {};
    const tab = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });

    await signInToSuperApp(page, base, citizen.nin, password);
    await page.getByRole('heading', { name: `Bonjour ${citizen.givenNames}` }).waitFor();

    // The catalogue, searched.
    await tab('Démarches').click();
    await page.getByRole('heading', { name: 'Démarches en ligne' }).waitFor();
    await page.locator('.procedures > li').nth(7).waitFor();
    expect(await page.locator('.procedures > li').count()).toBe(8);
    violations.services = await accessibilityViolations(page);
    overflow.services = await sidewaysOverflow(page);
    await page.getByLabel('Rechercher une démarche').fill('casier');
    await page.getByText('1 démarche trouvée').waitFor();
    expect(await page.locator('.procedures > li').count()).toBe(1);
    // Amounts are written the French way: 200 F CFA, with narrow no-break spaces.
    const card = (await page.locator('.procedures > li').innerText()).replace(/\s/g, ' ');
    expect(card).toContain('Frais : 200 F CFA');
    expect(card).toContain('Réponse visée en 3 jours');
    await shoot(page, 'services-list');

    // Started: the identity and the parents come from the population register, locked.
    await page.getByRole('button', { name: /^Commencer la démarche : Extrait du casier judiciaire/ }).click();
    await page
      .getByRole('heading', { name: 'Extrait du casier judiciaire (bulletin n° 3)', level: 1 })
      .waitFor();
    const applicationId = /\/app\/services\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
    expect(applicationId).toBeDefined();
    const field = (name: string) => page.locator(`#field-${name}`);
    await field('givenNames').waitFor();
    const birthDate = new Intl.DateTimeFormat('fr-SN', { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(citizen.birthDate),
    );
    const expected: Record<string, string | undefined> = {
      givenNames: citizen.givenNames,
      familyName: citizen.familyName,
      birthDate,
      birthPlace: citizen.birthPlace,
      fatherName: family.father?.givenNames,
      motherName: family.mother?.givenNames,
      motherFamilyName: family.mother?.familyName,
    };
    for (const [name, value] of Object.entries(expected)) {
      if (value === undefined) continue;
      expect(await field(name).inputValue(), name).toBe(value);
      expect(await field(name).getAttribute('readonly'), name).not.toBeNull();
    }
    expect(
      await page
        .getByText('Source : Registre national de la population, par la Passerelle numérique', {
          exact: false,
        })
        .count(),
    ).toBe(Object.values(expected).filter(Boolean).length);

    // Sent without an answer to a required question: the server's error beside it, and the focus on it.
    expect(await page.getByText(/^Frais de la démarche : 200\sF\sCFA$/).count()).toBe(1);
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    page.on('console', (m) => console.log('CONSOLE', m.text()));
    page.on(
      'response',
      (r) => r.url().includes('/v1/') && console.log('RESP', r.request().method(), r.url(), r.status()),
    );
    await page
      .locator('#field-purpose-error')
      .waitFor({ timeout: 5000 })
      .catch(async (e) => {
        console.log(await page.locator('main').innerText());
        await page.screenshot({ path: '/tmp/debug.png' });
        throw e;
      });
    expect(await page.locator('#field-purpose-error').innerText()).toContain(
      'Cette information est obligatoire.',
    );
    await page.getByText('1 réponse à corriger').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-purpose');
    expect(await field('purpose').getAttribute('aria-invalid')).toBe('true');

    // Answered: saved as typed.
    await field('purpose').selectOption('employment');
    await field('purposeDetail').fill('Recrutement à la mairie de Thiès');
    await page.getByText('Brouillon enregistré').waitFor();
    expect(await page.locator('#field-purpose-error').count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, 'services-form');
    violations.application = await accessibilityViolations(page);
    overflow.application = await sidewaysOverflow(page);

    // A double tap submits once.
    await page.getByRole('button', { name: 'Envoyer ma demande' }).dblclick();
    await page.getByText('Demande envoyée. Vous serez prévenu à chaque étape.').waitFor();
    await page.locator('.timeline').getByText('Demande envoyée').waitFor();
    await page.locator('.badge', { hasText: 'Envoyée' }).waitFor();
    const queued = await agentApi('GET', `/office/applications/${applicationId}`);
    expect(queued.status).toBe(200);
    expect(queued.body.procedure).toMatchObject({ id: criminal, owner: 'MJ-CJ' });
    const submittedEvents = (queued.body.timeline as Array<{ to: string | null }>).filter(
      (e) => e.to === 'submitted',
    );
    expect(submittedEvents).toHaveLength(1);
    await page.getByRole('heading', { name: 'Suivi de la demande' }).scrollIntoViewIfNeeded();
    await shoot(page, 'services-timeline');
    violations.timeline = await accessibilityViolations(page);

    // The agent asks for a detail: the message shows and the form opens again.
    expect(
      (await agentApi('POST', '/office/applications/bulk', { action: 'start-review', ids: [applicationId] }))
        .body,
    ).toEqual({ done: [applicationId], refused: [] });
    const asked = await agentApi('POST', `/office/applications/${applicationId}/decision`, {
      decision: 'request-info',
      message: 'Précisez le poste visé.',
    });
    expect(asked.status).toBe(200);
    await page.reload();
    await page.getByRole('heading', { name: 'L’administration vous demande des informations' }).waitFor();
    await page.locator('.agent-message', { hasText: 'Précisez le poste visé.' }).waitFor();
    await field('purposeDetail').fill('Mairie de Thiès, poste d’agent d’accueil');
    await page.getByText('Brouillon enregistré').waitFor();
    await page.getByRole('button', { name: 'Renvoyer ma demande' }).click();
    await page.getByText('Demande envoyée. Vous serez prévenu à chaque étape.').waitFor();

    // Approved: the document, signed, with a QR that opens the verification page.
    await agentApi('POST', '/office/applications/bulk', { action: 'start-review', ids: [applicationId] });
    const approved = await agentApi('POST', `/office/applications/${applicationId}/decision`, {
      decision: 'approve',
    });
    expect(approved.body.status).toBe('completed');
    await page.reload();
    await page.locator('.badge', { hasText: 'Terminée' }).waitFor();
    await page.getByRole('heading', { name: 'Votre document' }).waitFor();
    const statuses = await page.locator('.timeline li strong').allInnerTexts();
    expect(statuses).toEqual([
      'Demande commencée',
      'Demande envoyée',
      'Examen en cours',
      'Informations demandées',
      'Demande envoyée',
      'Examen en cours',
      'Demande acceptée',
      'Document délivré',
    ]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger le document (PDF)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^SN-\d{4}-\d{6}\.pdf$/);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const qr = await readQrFromPdf(new Uint8Array(pdf));
    expect(qr.startsWith(`${base}/verify/output#`)).toBe(true);

    // The inbox's notice leads to the application.
    await tab('Messages').click();
    await page.getByRole('heading', { name: 'Mes messages' }).waitFor();
    await page.getByRole('link', { name: /: terminée$/ }).click();
    await page.locator('.badge', { hasText: 'Terminée' }).waitFor();

    // Offline: the application, already read, opens without a network.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Votre document' }).waitFor();
    await context.setOffline(true);
    await page.reload();
    await page.getByText('Hors ligne : vous voyez les données déjà chargées sur ce téléphone.').waitFor();
    await page
      .getByRole('heading', { name: 'Extrait du casier judiciaire (bulletin n° 3)', level: 1 })
      .waitFor();
    await page.locator('.badge', { hasText: 'Terminée' }).waitFor();
    expect(await page.locator('.timeline li').count()).toBe(8);
    await context.setOffline(false);

    // The QR's page: a clear verdict, and what the paper should say.
    const verify = await context.newPage();
    await verify.goto(qr);
    await verify.getByRole('heading', { name: 'Document authentique' }).waitFor();
    await verify.getByText('Bulletin n° 3 du casier judiciaire', { exact: true }).waitFor();
    const claims = await verify.locator('.claims').innerText();
    expect(claims).toContain(`${citizen.givenNames} ${citizen.familyName}`);
    expect(claims).toContain(citizen.nin);
    expect(claims).toContain('Bulletin n° 3 du casier judiciaire');
    expect(claims).toContain('Ministère de la Justice, Casier judiciaire central (MJ-CJ)');
    await verify.getByText('Extrait', { exact: true }).waitFor();
    await shoot(verify, 'verify-output');
    violations.verify = await accessibilityViolations(verify);
    overflow.verify = await sidewaysOverflow(verify);
    // The same code with another NIN in it: the signature no longer matches.
    const [h, p, s] = qr.slice(qr.indexOf('#') + 1).split('.');
    const forged = Buffer.from(p!, 'base64url').toString('utf8').replace(citizen.nin, other.nin);
    await verify.evaluate(
      (code) => {
        location.hash = code;
      },
      `${h}.${Buffer.from(forged).toString('base64url')}.${s}`,
    );
    await verify.getByRole('heading', { name: 'Document non valide' }).waitFor();
    await verify
      .getByText('le code a été modifié, sa signature ne correspond plus.', { exact: false })
      .waitFor();
    expect(await verify.locator('.claims').count()).toBe(0);
    violations.verifyInvalid = await accessibilityViolations(verify);

    // The public performance page counts the application.
    await verify.goto(`${base}/services/performance`);
    await verify.getByRole('heading', { name: 'Performance des démarches en ligne' }).waitFor();
    const table = verify.locator('table').nth(1);
    const row = table.getByRole('row', { name: /Extrait du casier judiciaire/ });
    await row.waitFor({ state: 'attached' });
    expect(await row.locator('td').last().innerText()).toBe('1');
    await shoot(verify, 'services-performance');
    violations.performance = await accessibilityViolations(verify);
    overflow.performance = await sidewaysOverflow(verify);
    await verify.close();

    // In Wolof, the Services screen says everything in Wolof.
    await tab('Démarches').click();
    await page.getByRole('heading', { name: 'Démarches en ligne' }).waitFor();
    const french = await page.locator('body').innerText();
    await page.getByLabel('Langue').first().selectOption('wo');
    await page.getByRole('heading', { name: 'Sàrwis yi ci internet' }).waitFor();
    await page.getByText('Jeex na', { exact: true }).waitFor();
    const wolof = await page.locator('body').innerText();
    expect(wolof).not.toMatch(/superapp\.|\{\{/);
    const frenchLines = new Set(french.split('\n').map((l) => l.trim()));
    const unchanged = wolof
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /\p{L}/u.test(l) && frenchLines.has(l));
    // Only names stay the same (the brand, the languages).
    expect(unchanged.filter((l) => !['Jokko', 'Français', 'Wolof', 'English'].includes(l))).toEqual([]);
    violations.servicesWolof = await accessibilityViolations(page);

    for (const [screen, found] of Object.entries(violations)) expect(found, screen).toEqual([]);
    for (const [screen, px] of Object.entries(overflow))
      expect(px, `${screen} at 200%`).toBeLessThanOrEqual(1);
    await context.close();
  }, 180_000);
  it('attaches documents and shows what the server refuses, field by field (certificate of residence)', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    const tab = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
    await signInToSuperApp(page, base, citizen.nin, password);
    await tab('Démarches').click();
    await page.getByLabel('Rechercher une démarche').fill('résidence');
    await page.getByText('1 démarche trouvée').waitFor();
    await page.getByRole('button', { name: /^Commencer la démarche : Certificat de résidence/ }).click();
    await page.getByRole('heading', { name: 'Certificat de résidence', level: 1 }).waitFor();
    const field = (name: string) => page.locator(`#field-${name}`);

    // A value the page lets through and the server refuses: its message beside the field.
    await field('locality').fill('T');
    await page.locator('#field-locality-error').waitFor();
    expect(await page.locator('#field-locality-error').innerText()).toContain(
      'Cette réponse est trop courte.',
    );
    await field('locality').fill('Thiès');
    await page.getByText('Brouillon enregistré').waitFor();
    expect(await page.locator('#field-locality-error').count()).toBe(0);

    // Sent too early: the missing answer and the missing document, the focus on the first.
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.getByText('2 réponses à corriger').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-residentSince');
    const slot = page.locator('#slot-proof-of-address');
    const state = page.locator('#slot-proof-of-address-state');
    expect(await state.innerText()).toContain('Ce document est obligatoire.');
    const hint = (await page.locator('#slot-proof-of-address-hint').innerText()).replace(/\s/g, ' ');
    expect(hint).toBe('Formats acceptés : PDF, JPEG, PNG. Taille maximale : 5 Mo.');
    expect(await accessibilityViolations(page)).toEqual([]);

    // A file that is not what it says: the server's refusal, in words.
    await slot.setInputFiles({
      name: 'facture.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('pas un PDF'),
    });
    await state
      .getByText('Ce type de fichier n’est pas accepté, ou le fichier ne correspond pas à son type.')
      .waitFor();
    // Too heavy: refused on the phone, before megabytes are sent.
    await slot.setInputFiles({
      name: 'scan.png',
      mimeType: 'image/png',
      buffer: Buffer.alloc(5 * 1024 * 1024 + 1),
    });
    await state.getByText(/^Ce fichier est trop lourd : 5\sMo au maximum\.$/).waitFor();
    // A real image: attached.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    );
    await slot.setInputFiles({ name: 'facture-eau.png', mimeType: 'image/png', buffer: png });
    await state.getByText(/^Document joint : facture-eau\.png/).waitFor();

    await field('residentSince').fill('2019-06-01');
    await page.getByText('Brouillon enregistré').waitFor();
    await page.getByRole('button', { name: 'Envoyer ma demande' }).click();
    await page.getByText('Demande envoyée. Vous serez prévenu à chaque étape.').waitFor();
    await page.locator('.badge', { hasText: 'Envoyée' }).waitFor();
    const answers = await page.locator('dl').innerText();
    expect(answers).toContain('facture-eau.png');
    expect(answers).toContain('1 juin 2019');
    expect(await accessibilityViolations(page)).toEqual([]);

    // Withdrawn, after a confirmation.
    await page.getByRole('button', { name: 'Retirer ma demande' }).click();
    await page.getByText('Une demande retirée ne peut plus être reprise.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Confirmer le retrait' }).click();
    await page.getByText('Demande retirée.', { exact: true }).waitFor();
    await page.locator('.badge', { hasText: 'Retirée' }).waitFor();
    expect(await page.getByRole('button', { name: 'Retirer ma demande' }).count()).toBe(0);
    await context.close();
  }, 120_000);
});
