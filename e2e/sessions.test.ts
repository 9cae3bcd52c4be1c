import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/server/modules/identity/index.ts';
import { demoCitizens } from '../src/server/modules/registries/index.ts';
import type { TestApp } from '../src/server/testing.ts';
import { accessibilityViolations, hasBrowser, launchBrowser, signInToSuperApp } from './browser.ts';
import { startDemoServer } from './server.ts';

const password = 'Thieboudienne-du-vendredi-2026';
const androidChrome =
  'Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
/** JOKKO_SCREENSHOTS=docs/screenshots npx vitest run e2e/sessions.test.ts refreshes the Security screenshot. */
const shots = process.env.JOKKO_SCREENSHOTS;

/**
 * Settings › sessions in Chromium: the same citizen signed in on two devices (two browser
 * contexts) sees both sessions, ends the other one from the first, and the other device's next
 * API call is refused.
 */
describe.skipIf(!hasBrowser())('my sign-in sessions in the super-app', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let nin: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ({ t, base } = await startDemoServer({ people: 20, seed: 'sessions-e2e', referenceServices: false }));
    nin = (await demoCitizens(t.db.database))[0]!.nin;
    await createAccount(t.db.database, nin, password);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t?.dispose();
  });

  it('lists both devices, ends the other one from here, and the other device is signed out at its next call', async () => {
    const here = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fr-SN' });
    const there = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'fr-SN',
      userAgent: androidChrome,
    });
    contexts.push(here, there);
    const page = await here.newPage();
    const other = await there.newPage();
    // The first screen drawn in app.html carries inline styles: the page's CSP allows them by hash.
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signInToSuperApp(page, base, nin, password);
    await signInToSuperApp(other, base, nin, password);

    await page.getByRole('navigation').getByRole('link', { name: 'Réglages', exact: true }).click();
    const sessions = page.getByRole('region', { name: 'Mes sessions ouvertes' });
    await sessions.getByRole('button', { name: 'Fermer la session Chrome sur Android' }).waitFor();
    const items = sessions.getByRole('listitem');
    expect(await items.count()).toBe(2);
    // This browser (headless Chromium on Linux) is the current session, and has no button to end it.
    const current = items.filter({ hasText: 'Cet appareil' });
    expect(await current.count()).toBe(1);
    expect(await current.innerText()).toContain('Chrome sur Linux');
    expect(await current.getByRole('button').count()).toBe(0);
    for (const text of await items.allInnerTexts()) {
      expect(text).toMatch(/Ouverte le \d{1,2} \S+ \d{4}/);
      expect(text).toContain('Applications : Jokko');
    }
    await page.getByRole('region', { name: 'Mes appareils' }).waitFor();
    await sessions.scrollIntoViewIfNeeded();
    if (shots) await page.screenshot({ path: join(shots, 'app-security.png') });
    expect(await accessibilityViolations(page)).toEqual([]);

    await sessions.getByRole('button', { name: 'Fermer la session Chrome sur Android' }).click();
    await page.getByText('Session Chrome sur Android fermée.').waitFor();
    await expect.poll(() => items.count()).toBe(1);
    expect(await sessions.getByRole('button', { name: 'Fermer toutes les autres sessions' }).count()).toBe(0);

    // The other phone's token was revoked with its session: its next call gets a 401, and the
    // silent sign-in finds no session either, so it shows the sign-in screen.
    const refused = other.waitForResponse((r) => r.url().endsWith('/v1/me') && r.status() === 401);
    await other.getByRole('navigation').getByRole('link', { name: 'Réglages', exact: true }).click();
    await refused;
    await other.getByRole('heading', { name: 'Bienvenue dans Jokko' }).waitFor();

    // This device is still signed in.
    await page.getByRole('navigation').getByRole('link', { name: 'Accueil', exact: true }).click();
    await page.getByRole('heading', { name: /^Bonjour / }).waitFor();
    const [audited] = await t.db.database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'identity.session.ended'",
    );
    expect(audited?.n).toBe(1);
    expect(cspViolations).toEqual([]);
  }, 120_000);
});
