import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { defaultWebDir } from '../src/server/app.ts';
import { createTestApp, type TestApp } from '../src/server/testing.ts';

/** The real server on PGlite, listening on a free loopback port, serving the built web apps. */
export async function startWebServer(): Promise<{ t: TestApp; url: string }> {
  if (!existsSync(`${defaultWebDir}/index.html`)) {
    await build({
      configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
      logLevel: 'warn',
    });
  }
  const t = await createTestApp('pglite', {}, { webDir: defaultWebDir });
  const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, url };
}
