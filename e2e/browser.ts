import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core; nothing is downloaded at run time. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const hasBrowser = (): boolean => existsSync(chromiumPath);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Gives a page Chromium's virtual authenticator (a platform passkey with user verification that
 * answers at once), through the DevTools protocol.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

/**
 * Signs a citizen in to the super-app at `${base}/app` with NIN and password; the identity provider
 * asks for consent on the first sign-in only.
 */
export async function signInToSuperApp(
  page: Page,
  base: string,
  nin: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/app`);
  await page.getByRole('button', { name: 'Se connecter avec mon NIN' }).click();
  await page.getByLabel('Numéro d’identification national (NIN)').fill(nin);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  const allow = page.getByRole('button', { name: 'Autoriser' });
  const hello = page.getByRole('heading', { name: /^Bonjour / });
  await Promise.race([allow.waitFor(), hello.waitFor()]);
  if (await allow.isVisible()) await allow.click();
  await hello.waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.x A/AA rules on the page as it is; the violations' ids and targets. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            c: unknown,
            o: unknown,
          ) => Promise<{
            violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
            passes: unknown[];
          }>;
        };
      }
    ).axe;
    return axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa'] },
    });
  });
  // A run that checked nothing would pass too: make sure rules did run and pass.
  if (!result.passes.length) throw new Error('axe-core checked nothing');
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * What a test calls at each screen worth showing: with JOKKO_SCREENSHOTS=docs/screenshots, e.g.
 * `JOKKO_SCREENSHOTS=docs/screenshots npx vitest run e2e/wallet.test.ts`, it writes
 * `<prefix><name>.png` there (the README's screenshots); otherwise it does nothing.
 */
export const screenshots =
  (prefix = '') =>
  async (page: Page, name: string): Promise<void> => {
    const dir = process.env.JOKKO_SCREENSHOTS;
    if (dir) await page.screenshot({ path: join(dir, `${prefix}${name}.png`) });
  };
