import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { bundleSizes, initialBudgetBytes } from '../scripts/bundle-budget.ts';
import { defaultWebDir } from '../src/server/app.ts';
import { createTestApp } from '../src/server/testing.ts';
import { type Benchmark, median } from './harness.ts';

/**
 * The super-app's weight and load times: the initial JavaScript (gzip) and each lazy chunk, then
 * the time until the first screen is usable (the sign-in button shows) in Debian's Chromium under
 * Chrome DevTools' network presets and 4x CPU slowdown: a first visit, and a repeat visit served
 * by the service worker.
 */
const profiles = [
  // Chrome DevTools' presets: latency per request, throughput in bytes/s.
  { name: 'Slow 3G', latency: 2000, down: (500 * 1024 * 0.8) / 8, up: (500 * 1024 * 0.8) / 8 },
  { name: 'Fast 3G', latency: 562.5, down: (1.6 * 1024 * 1024 * 0.9) / 8, up: (750 * 1024 * 0.9) / 8 },
];
const cpuSlowdown = 4;

export const benchmark: Benchmark = {
  name: 'web',
  description: "The super-app's bundle sizes and throttled load times (first and repeat visit)",
  async run(ctx) {
    if (!existsSync(`${defaultWebDir}/asset-manifest.json`)) {
      const { build } = await import('vite');
      await build({
        configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
        logLevel: 'warn',
      });
    }
    const sizes = bundleSizes(defaultWebDir);
    const rows: Array<Record<string, string | number>> = [
      {
        measure: 'initial JavaScript, gzip',
        value: `${(sizes.initialJsGzip / 1024).toFixed(1)} KB`,
        goal: `< ${initialBudgetBytes / 1024} KB`,
      },
      ...sizes.routes.map((r) => ({
        measure: `lazy chunk ${r.name}, gzip`,
        value: `${(r.gzip / 1024).toFixed(1)} KB`,
        goal: '',
      })),
    ];
    if (!existsSync('/usr/bin/chromium'))
      return { rows, notes: ['Chromium missing: load times skipped.'], data: { sizes } };

    const t = await createTestApp('pglite', {}, { webDir: defaultWebDir });
    const base = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('127.0.0.1', 'localhost');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const reps = ctx.quick ? 1 : 3;
    const timings: Record<string, { first: number[]; repeat: number[] }> = {};
    try {
      for (const profile of profiles) {
        const runs = { first: [] as number[], repeat: [] as number[] };
        for (let r = 0; r < reps; r++) {
          const context = await browser.newContext({
            viewport: { width: 360, height: 740 },
            locale: 'fr-SN',
          });
          const visit = async () => {
            const page = await context.newPage();
            const cdp = await context.newCDPSession(page);
            await cdp.send('Network.enable');
            await cdp.send('Network.emulateNetworkConditions', {
              offline: false,
              latency: profile.latency,
              downloadThroughput: profile.down,
              uploadThroughput: profile.up,
            });
            await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuSlowdown });
            const started = performance.now();
            await page.goto(`${base}/app`, { waitUntil: 'commit', timeout: 120_000 });
            await page
              .getByRole('button', { name: 'Se connecter avec mon NIN' })
              .waitFor({ timeout: 120_000 });
            const elapsed = performance.now() - started;
            return { page, elapsed };
          };
          const first = await visit();
          runs.first.push(first.elapsed);
          // The service worker has cached the shell and the assets: the next visit reads them there.
          await first.page.evaluate(async () => {
            await navigator.serviceWorker.ready;
          });
          await first.page.close();
          runs.repeat.push((await visit()).elapsed);
          await context.close();
        }
        timings[profile.name] = runs;
        rows.push(
          {
            measure: `first visit to a usable screen, ${profile.name}, CPU ÷${cpuSlowdown}`,
            value: `${(median(runs.first) / 1000).toFixed(2)} s`,
            goal: profile.name === 'Slow 3G' ? '< 3 s' : '',
          },
          {
            measure: `repeat visit (service worker), ${profile.name}, CPU ÷${cpuSlowdown}`,
            value: `${(median(runs.repeat) / 1000).toFixed(2)} s`,
            goal: profile.name === 'Slow 3G' ? '< 1 s' : '',
          },
        );
      }
    } finally {
      await browser.close();
      await t.dispose();
    }
    return {
      rows,
      data: { sizes, timings, profiles, cpuSlowdown, repetitions: reps },
      notes: [
        'A usable screen: the sign-in button of /app is visible (a first visit needs no round trip to the identity provider).',
        `Medians of ${reps} runs; each first visit in a fresh browser context, the repeat visit in the same context.`,
      ],
    };
  },
};
