import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../src/server/testing.ts';
import { hasBrowser, launchBrowser } from './browser.ts';
import { startWebServer } from './server.ts';

if (!hasBrowser()) console.warn('Chromium not found (apt-get install chromium): browser tests are skipped.');

describe.skipIf(!hasBrowser())('web shell in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let url: string;
  let page: Page;
  beforeAll(async () => {
    ({ t, url } = await startWebServer());
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  const visibleText = () => page.locator('body').innerText();

  it('opens in French, lists the platform parts and links to the API reference', async () => {
    await page.goto(`${url}/`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Bienvenue sur Jokko');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.locator('.part').count()).toBe(10);
    expect(await page.getByRole('link', { name: "Référence de l'API (OpenAPI)" }).getAttribute('href')).toBe(
      '/docs',
    );
    const docs = await page.request.get(`${url}/docs/`);
    expect(docs.status()).toBe(200);
  });

  it('switches to Wolof and English: every string changes, no raw keys, lang follows', async () => {
    const french = await visibleText();
    await page.getByLabel('Langue').selectOption('wo');
    // The other languages' texts are a chunk of their own: the page switches once it is here.
    await page.getByRole('heading', { level: 1, name: 'Dalal ak jàmm ci Jokko', exact: true }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('wo');
    const wolof = await visibleText();
    await page.getByLabel('Làkk').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Welcome to Jokko', exact: true }).waitFor();
    const english = await visibleText();
    for (const text of [french, wolof, english])
      expect(text).not.toMatch(/\b(landing|parts|app|language)\.[a-z]/);
    const frenchLines = new Set(french.split('\n').filter((l) => l.length > 12));
    const unchanged = wolof.split('\n').filter((l) => frenchLines.has(l));
    expect(unchanged).toEqual([]);
  });

  it('remembers the chosen language after a reload', async () => {
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Welcome to Jokko', exact: true }).waitFor();
    await page.getByLabel('Language').selectOption('fr');
  });

  it('serves the shell for client-side routes and a problem for unknown API paths', async () => {
    const res = await page.goto(`${url}/services/some-procedure`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Bienvenue sur Jokko');
    const api = await page.request.get(`${url}/v1/nothing-here`);
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toMatch(/problem\+json/);
  });

  it('renders the interactive API reference with the operations of every module', async () => {
    await page.goto(`${url}/docs/`);
    await page.waitForSelector('.opblock-tag');
    expect((await page.locator('.opblock-tag').allInnerTexts()).sort()).toEqual([
      'audit',
      'bridge',
      'consent',
      'documents',
      'eservices',
      'identity',
      'me',
      'office',
      'partners',
      'platform',
      'registries',
    ]);
    expect(
      await page.locator('.opblock-summary-path', { hasText: '/v1/me/approvals' }).count(),
    ).toBeGreaterThan(0);
    expect(
      await page.locator('.opblock-summary-path', { hasText: '/v1/registries/people/{nin}' }).count(),
    ).toBeGreaterThan(0);
    expect(
      await page.locator('.opblock-summary-path', { hasText: '/v1/bridge/members/{id}/decision' }).count(),
    ).toBeGreaterThan(0);
  });

  it('runs under the strict Content-Security-Policy without violations', async () => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${url}/`);
    await page.waitForLoadState('networkidle');
    expect(violations).toEqual([]);
  });
});
