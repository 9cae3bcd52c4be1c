import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { defaultWebDir } from '../src/server/app.ts';
import { createTestApp, type TestApp } from '../src/server/testing.ts';

/** Builds the web apps once if web/dist is missing (CI builds them before the tests). */
export async function ensureWebBuild(): Promise<void> {
  if (!existsSync(`${defaultWebDir}/index.html`)) {
    await build({
      configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
      logLevel: 'warn',
    });
  }
}

/** The real server on PGlite, listening on a free loopback port, serving the built web apps. */
export async function startWebServer(): Promise<{ t: TestApp; url: string }> {
  await ensureWebBuild();
  const t = await createTestApp('pglite', {}, { webDir: defaultWebDir });
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, url };
}
