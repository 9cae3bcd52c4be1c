import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFromVerificationUrl, readQrFromPdf } from '../src/server/modules/eservices/index.ts';
import {
  confirmTotp,
  createAccount,
  startTotpEnrolment,
  totpCode,
} from '../src/server/modules/identity/index.ts';
import {
  createSmtpEmailSender,
  type EmailSender,
  type NotifyDelivery,
  startNotifyDelivery,
} from '../src/server/modules/notify/index.ts';
import type { Person } from '../src/server/modules/registries/index.ts';
import { startSmtpSink } from '../src/server/testing/processes.ts';
import type { TestApp } from '../src/server/testing.ts';
import { accessibilityViolations, hasBrowser, launchBrowser } from './browser.ts';
import { peopleBornBefore, startDemoServer, superAppToken } from './server.ts';

const password = 'Thieboudienne-du-vendredi-2026';
const criminal = 'sn-criminal-record-extract';
const citizenEmail = 'awa.citoyenne@example.sn';
/** JOKKO_SCREENSHOTS=docs/screenshots npx vitest run e2e/office.test.ts refreshes the back-office's screenshots. */
const shots = process.env.JOKKO_SCREENSHOTS;

/**
 * The page at a phone's size and a desktop's, in French, when screenshots are asked for: each
 * loaded afresh at that size (a reload signs in again silently), as an agent would first see it.
 */
async function shoot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  const size = page.viewportSize();
  const heading = (await page.getByRole('heading', { level: 1 }).innerText()).trim();
  for (const [label, width, height] of [
    ['phone', 360, 740],
    ['desktop', 1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(shots, `office-${name}-${label}.png`) });
  }
  if (size) await page.setViewportSize(size);
}

/** The decoded subject, text and language of a raw message: what the citizen reads. */
function parseMail(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const qp = (s: string) =>
    Buffer.from(
      s
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    );
  const subject = header('Subject')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      (enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qp(text.replace(/_/g, ' '))).toString(
        'utf8',
      ),
    );
  const body = raw.slice(split + 4);
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text = (
    encoding === 'base64'
      ? Buffer.from(body, 'base64')
      : encoding === 'quoted-printable'
        ? qp(body)
        : Buffer.from(body, 'latin1')
  ).toString('utf8');
  return { subject, text, language: header('Content-Language') };
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The back-office at /office in Chromium on the real server: a citizen applies for a criminal
 * record extract (through the API, as the super-app does), an agent of the Casier judiciaire signs
 * in with a second factor, takes the application, comments and approves it; the citizen is told in
 * the app and by e-mail (a real SMTP server) and gets a PDF whose QR verifies. Another
 * administration's agent sees none of it, and a password alone does not open the queue.
 */
describe.skipIf(!hasBrowser())('the back-office in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let email: EmailSender;
  let delivery: NotifyDelivery;
  const deliveryErrors: unknown[] = [];
  let citizen: Person;
  let citizenToken: string;
  /** Casier judiciaire (MJ-CJ) instructor and decider with TOTP; a tax (DGID) agent with TOTP; an MJ-CJ decider with no second factor. */
  const agents: Record<'justice' | 'taxes' | 'noFactor', { person: Person; totp?: string }> = {} as never;
  let applicationId = '';
  let reference = '';

  const api = async (method: string, path: string, token: string, body?: unknown, headers = {}) => {
    const res = await fetch(`${base}/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const json = (res.headers.get('content-type') ?? '').includes('json') && bytes.length;
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      bytes,
      // biome-ignore lint/suspicious/noExplicitAny: test responses are read loosely
      body: (json ? JSON.parse(bytes.toString('utf8')) : undefined) as any,
    };
  };

  /** The identity provider's consent page shows on an account's first sign-in to the office only. */
  async function allowIfAsked(page: Page): Promise<void> {
    const allow = page.getByRole('button', { name: 'Autoriser' });
    const queue = page.getByRole('heading', { name: 'File des demandes' });
    await Promise.race([allow.waitFor(), queue.waitFor()]);
    if (await allow.isVisible()) await allow.click();
    await queue.waitFor();
  }

  /** From /office to the provider's password page, and the password sent. */
  async function enterPassword(page: Page, nin: string): Promise<void> {
    await page.goto(`${base}/office`);
    await page.getByRole('heading', { name: 'Espace des agents' }).waitFor();
    await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
    await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
  }

  async function signInAgent(page: Page, agent: { person: Person; totp?: string }): Promise<void> {
    await enterPassword(page, agent.person.nin);
    await page
      .getByLabel('Code à 6 chiffres de votre application d’authentification')
      .fill(totpCode(agent.totp!));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await allowIfAsked(page);
  }

  beforeAll(async () => {
    const server = await startDemoServer({ people: 40, seed: 'office-e2e' });
    ({ t, base } = server);
    const { database } = server;
    const { audit, country } = server.registries;
    const adults = await peopleBornBefore(server, '2000-01-01');
    const [first, justice, taxes, noFactor] = adults as [Person, Person, Person, Person];
    citizen = first;
    const accounts = new Map<string, string>();
    for (const p of [citizen, justice, taxes, noFactor])
      accounts.set(p.nin, (await createAccount(database, p.nin, password)).id);

    // The notify worker delivers e-mails to a real SMTP server on loopback while the test runs.
    smtp = await startSmtpSink();
    email = createSmtpEmailSender({
      url: smtp.url,
      from: 'Jokko <no-reply@jokko.test>',
    });
    delivery = startNotifyDelivery({
      database,
      transport: {
        email,
        sms: {
          send: async () => {
            throw new Error('no SMS expected: the citizen gave an e-mail only');
          },
        },
      },
      clock: () => new Date(),
      pollMs: 200,
      defaultLanguage: country.languages.default,
      timeZone: country.timeZone,
      onError: (err) => deliveryErrors.push(err),
    });

    // Agents: given their roles by an operator; two of them add an authenticator app.
    const operator = await t.keyFor({ kind: 'operator', roles: ['identity:admin'] });
    for (const [person, organisation, roles] of [
      [justice, 'MJ-CJ', ['instructor', 'decider']],
      [taxes, 'DGID', ['instructor']],
      [noFactor, 'MJ-CJ', ['decider']],
    ] as const)
      expect(
        (await api('PUT', `/identity/agents/${person.nin}`, operator, { organisation, roles })).status,
      ).toBe(200);
    const factorDeps = { database, audit, publicUrl: base, kms: t.kms };
    const enrolTotp = async (person: Person) => {
      const accountId = accounts.get(person.nin)!;
      const totp = await startTotpEnrolment(factorDeps, accountId, person.nin);
      // Confirmed with the previous 30-second code, so the current one is still unused for signing in.
      expect(await confirmTotp(factorDeps, accountId, totp.factorId, totpCode(totp.secret, -1))).toBe(true);
      return totp.secret;
    };
    agents.justice = { person: justice, totp: await enrolTotp(justice) };
    agents.taxes = { person: taxes, totp: await enrolTotp(taxes) };
    agents.noFactor = { person: noFactor };

    // The citizen, through the super-app's API (the app's own screens have their own test).
    citizenToken = await superAppToken(server, citizen.nin, password);
    expect(
      (await api('PUT', '/me/contact', citizenToken, { email: citizenEmail, language: 'fr' })).status,
    ).toBe(200);
    const started = await api('POST', '/me/applications', citizenToken, {
      procedure: criminal,
      language: 'fr',
    });
    expect(started.status).toBe(201);
    applicationId = started.body.id;
    reference = started.body.reference;
    expect(
      (
        await api('PATCH', `/me/applications/${applicationId}`, citizenToken, {
          data: { purpose: 'employment' },
        })
      ).status,
    ).toBe(200);
    const submitted = await api(
      'POST',
      `/me/applications/${applicationId}/submit`,
      citizenToken,
      { fee: { amount: 200, currency: 'XOF' } },
      { 'idempotency-key': 'office-e2e-submit-1' },
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('submitted');

    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await delivery?.stop();
    email?.close();
    await smtp?.close();
    await t?.dispose();
  });

  it('an agent signs in with a second factor, takes the application, comments and approves it; the citizen is told and gets a PDF that verifies', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-SN' });
    const page = await context.newPage();
    const violations: Record<string, string[]> = {};
    await signInAgent(page, agents.justice);
    await page.getByText('MJ-CJ · instructeur, décideur').waitFor();
    // The token lives in memory only.
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(storage).not.toMatch(/token|eyJ/i);

    // The queue: the application with its deadline in words, the applicant named by the register.
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: reference }) });
    await row.waitFor();
    await row.getByText('2 jours restants').waitFor();
    await row.getByText(`${citizen.givenNames} ${citizen.familyName}`).waitFor();
    await row.getByText('Déposée', { exact: true }).waitFor();
    await row.getByText('Extrait du casier judiciaire (bulletin n° 3)').waitFor();
    violations.queue = await accessibilityViolations(page);
    await shoot(page, 'queue');

    // Bulk: select it and take it for oneself.
    await page.getByRole('checkbox', { name: `Sélectionner la demande ${reference}` }).check();
    await page.getByText('1 demande sélectionnée').waitFor();
    await page.getByRole('button', { name: 'M’attribuer' }).click();
    await page.getByText('1 demande mise à jour.').waitFor();
    await row.getByRole('cell', { name: 'Vous' }).waitFor();
    // Filtered to "assigned to me", it is still there; to "unassigned", it is not.
    await page.getByLabel('Attribution').selectOption('none');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.getByText('Aucune demande ne correspond à ces filtres.').waitFor();
    await page.getByLabel('Attribution').selectOption('me');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await row.waitFor();

    // The application: answers with their labels, the registry's marked as such.
    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { name: `Demande ${reference}` }).waitFor();
    const answer = (label: string) =>
      page.locator('.office-dl > div').filter({ has: page.getByText(label, { exact: true }) });
    await answer('Prénom(s)').getByText(citizen.givenNames, { exact: true }).waitFor();
    await answer('Prénom(s)')
      .getByText('Venu du registre « Registre national de la population » par la passerelle')
      .waitFor();
    await answer('Nom de famille').getByText(citizen.familyName, { exact: true }).waitFor();
    const purpose = answer("À quoi servira l'extrait ?");
    await purpose.getByText('Un emploi', { exact: true }).waitFor();
    expect(await purpose.getByText(/Venu du registre/).count()).toBe(0);
    await page.getByText(citizen.nin, { exact: true }).waitFor();
    // Submitted, not yet in review: no decision is offered.
    expect(await page.getByRole('button', { name: 'Accepter' }).count()).toBe(0);
    violations.detailSubmitted = await accessibilityViolations(page);

    await page.getByRole('button', { name: 'Prendre en charge' }).click();
    await page.getByText('Demande prise en charge.').waitFor();
    await page.locator('.office-application-header').getByText('En cours d’examen').waitFor();
    // Only the decisions the step allows.
    const decisions = await page.locator('.office-decision button').allInnerTexts();
    expect(decisions).toEqual(['Accepter', 'Demander des informations', 'Refuser']);

    await page
      .getByLabel('Commentaire (visible des agents seulement)')
      .fill('Aucune condamnation au fichier central.');
    await page.getByRole('button', { name: 'Ajouter le commentaire' }).click();
    await page.getByText('Commentaire ajouté.').waitFor();
    const comment = page
      .locator('.office-timeline li')
      .filter({ hasText: 'Aucune condamnation au fichier central.' });
    await comment.getByText('Interne', { exact: true }).waitFor();
    await comment.getByText(/· Vous/).waitFor();
    violations.detailInReview = await accessibilityViolations(page);
    await shoot(page, 'detail');

    // A refusal needs a message for the citizen.
    await page.getByRole('button', { name: 'Refuser' }).click();
    await page.getByText('Écrivez au demandeur pourquoi vous refusez ou ce qu’il doit fournir.').waitFor();
    expect(await page.getByLabel('Message au demandeur').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('decision-message');

    // The same agent approves it in a second tab (a silent sign-in on the identity session)...
    const second = await context.newPage();
    await second.goto(`${base}/office/applications/${applicationId}`);
    await second.getByRole('heading', { name: `Demande ${reference}` }).waitFor();
    await second.getByRole('button', { name: 'Accepter' }).click();
    await second.getByText('Décision enregistrée. Statut : Terminée.').waitFor();
    await second.getByText(/^Document délivré : /).waitFor();
    expect(await second.locator('.office-decision').count()).toBe(0);
    violations.detailCompleted = await accessibilityViolations(second);
    // ...so the first tab's page is stale: the API's refusal is shown with its detail.
    await page.getByLabel('Message au demandeur').fill('Merci de fournir une pièce d’identité lisible.');
    await page.getByRole('button', { name: 'Demander des informations' }).click();
    const refusal = page.getByRole('alert');
    await refusal.getByText('La démarche ne permet pas cette action à cette étape.').waitFor();
    await refusal
      .getByText('Détail : an application that is completed cannot be decided', { exact: false })
      .waitFor();
    violations.detailRefused = await accessibilityViolations(page);

    // A closed application is no longer assigned: the bulk action says so, application by application.
    await second.getByRole('link', { name: 'Retour à la file' }).click();
    await second.getByLabel('Statut').selectOption('completed');
    await second.getByRole('button', { name: 'Filtrer' }).click();
    const done = second.getByRole('row').filter({ has: second.getByRole('link', { name: reference }) });
    await done.getByText('Terminée', { exact: true }).waitFor();
    await second.getByRole('checkbox', { name: `Sélectionner la demande ${reference}` }).check();
    await second.getByRole('button', { name: 'M’attribuer' }).click();
    await second.getByText('0 demande mise à jour.').waitFor();
    await second
      .getByText(`Refusée pour ${reference} : an application that is completed is not assigned`)
      .waitFor();
    for (const [screen, found] of Object.entries(violations)) expect(found, screen).toEqual([]);
    await context.close();

    // The citizen's inbox has a notice for each step.
    const inbox = await api('GET', '/me/inbox', citizenToken);
    const notices = (
      inbox.body.items as Array<{ template: string; payload: { reference: string; status: string } }>
    )
      .filter((m) => m.template === 'application-status' && m.payload.reference === reference)
      .map((m) => m.payload.status);
    expect(notices).toEqual(expect.arrayContaining(['submitted', 'in_review', 'approved', 'completed']));

    // And an e-mail in French, to the address they gave, for the approval and the completion.
    const mails = await until('the approval and completion e-mails', () => {
      const parsed = smtp.received.map((m) => ({ ...parseMail(m.raw), to: m.to }));
      const wanted = [`Demande ${reference} : acceptée`, `Demande ${reference} : terminée`];
      return wanted.every((s) => parsed.some((m) => m.subject === s)) ? parsed : undefined;
    });
    const approvedMail = mails.find((m) => m.subject === `Demande ${reference} : acceptée`)!;
    expect(approvedMail.to).toEqual([citizenEmail]);
    expect(approvedMail.language).toBe('fr');
    expect(approvedMail.text).toContain(
      `Votre demande ${reference} (Extrait du casier judiciaire (bulletin n° 3)) est acceptée.`,
    );
    const completedMail = mails.find((m) => m.subject === `Demande ${reference} : terminée`)!;
    expect(completedMail.to).toEqual([citizenEmail]);
    // The internal comment stays inside the administration.
    for (const m of mails) expect(m.text).not.toContain('Aucune condamnation au fichier central.');
    expect(deliveryErrors).toEqual([]);

    // The extract: a PDF whose QR verifies.
    const pdf = await api('GET', `/me/applications/${applicationId}/output.pdf`, citizenToken);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    const url = await readQrFromPdf(new Uint8Array(pdf.bytes));
    expect(url.startsWith(`${base}/verify/output#`)).toBe(true);
    const verified = await api('POST', '/outputs/verify', '', { code: codeFromVerificationUrl(url)! });
    expect(verified.body).toMatchObject({
      valid: true,
      claims: {
        sub: reference,
        jokko: { procedure: criminal, owner: 'MJ-CJ', holder: { nin: citizen.nin } },
      },
    });
  }, 180_000);

  it('an agent of another administration sees an empty queue and "not found" for the application, in each language', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-SN' });
    const page = await context.newPage();
    await signInAgent(page, agents.taxes);
    await page.getByText('DGID · instructeur').waitFor();
    await page.getByText('Aucune demande ne correspond à ces filtres.').waitFor();
    expect(await page.getByRole('link', { name: reference }).count()).toBe(0);
    for (const status of ['completed', 'approved'] as const) {
      await page.getByLabel('Statut').selectOption(status);
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await page.getByText('Aucune demande ne correspond à ces filtres.').waitFor();
      expect(await page.getByRole('link', { name: reference }).count()).toBe(0);
    }

    // The application's address, opened directly: a reload signs in again silently, then "not found".
    await page.goto(`${base}/office/applications/${applicationId}`);
    await page.getByRole('heading', { name: 'Demande introuvable' }).waitFor();
    await page.getByText('Détail : no such application').waitFor();
    expect(await page.getByText(citizen.familyName).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Langue').selectOption('wo');
    await page.getByRole('heading', { name: 'Gisuñu laaj bi' }).waitFor();
    await page.getByLabel('Làkk').selectOption('en');
    await page.getByRole('heading', { name: 'Application not found' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByRole('link', { name: 'Back to the queue' }).click();
    await page.getByRole('heading', { name: 'Applications queue' }).waitFor();
    await page.getByText('No application matches these filters.').waitFor();
    expect(await page.locator('body').innerText()).not.toMatch(/office\.|queue\.|detail\.|\{\{/);
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('heading', { name: 'File des demandes' }).waitFor();
    expect(await page.title()).toBe('File des demandes — Jokko — Back-office');

    // Signing out ends the identity session too: the office is back at its sign-in page.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Me déconnecter' }).click();
    await page.getByRole('heading', { name: 'Espace des agents' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Espace des agents' }).waitFor();
    await context.close();
  }, 120_000);

  it('does not open the queue on a password alone: the provider asks for the second factor, or refuses an account that has none', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page = await context.newPage();
    await enterPassword(page, agents.justice.person.nin);
    await page.getByRole('heading', { name: 'Deuxième vérification' }).waitFor();
    await page.getByLabel('Code à 6 chiffres de votre application d’authentification').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
    expect(await page.getByRole('heading', { name: 'File des demandes' }).count()).toBe(0);
    await context.close();

    const other = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const page2 = await other.newPage();
    await enterPassword(page2, agents.noFactor.person.nin);
    await page2.getByText('Le back-office demande un second facteur', { exact: false }).waitFor();
    expect(new URL(page2.url()).pathname).toBe('/office');
    expect(await page2.getByRole('heading', { name: 'File des demandes' }).count()).toBe(0);
    expect(await accessibilityViolations(page2)).toEqual([]);
    await other.close();
  }, 60_000);
});
