import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import fr from '../src/i18n/locales/fr.json' with { type: 'json' };

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The super-app's first screen without waiting for its JavaScript (decision 0012, slow 3G): the
 * build writes `app.html`, the shell with the entry's styles inlined (a stylesheet would be one more
 * 2 s round trip before the first paint) and the sign-in screen as static HTML in French, whose
 * button is a plain form to /app/sign-in, where the app starts the sign-in once its code is there.
 * React then draws the same screen over it. Every text file is also written as .br and .gz, served
 * as they are by the platform (no compression work per request).
 */
export function firstScreen(): Plugin {
  let outDir = '';
  return {
    name: 'jokko-first-screen',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const index = readFileSync(join(outDir, 'index.html'), 'utf8');
      const link = /<link rel="stylesheet" crossorigin href="\/(assets\/index-[^"]+\.css)">/.exec(index);
      if (!link) throw new Error('app.html: the entry stylesheet is missing from index.html');
      const css = readFileSync(join(outDir, link[1]!), 'utf8').trim();
      const t = fr.superapp.signIn;
      const signIn = `<div class="app"><a class="skip" href="#main">${escapeHtml(fr.app.skipToContent)}</a><header class="app-header"><span class="brand-name">${escapeHtml(fr.app.name)}</span></header><main id="main" class="app-main"><section class="card signin" aria-labelledby="signin-title"><h1 id="signin-title">${escapeHtml(t.title)}</h1><p>${escapeHtml(t.intro)}</p><form action="/app/sign-in" method="get"><button type="submit" class="primary">${escapeHtml(t.button)}</button></form></section></main></div>`;
      const app = index
        .replace(link[0], `<style>${css}</style>`)
        .replace('<div id="root"></div>', `<div id="root">${signIn}</div>`);
      writeFileSync(join(outDir, 'app.html'), app);
      compressTree(outDir);
    },
  };
}

const compressible = /\.(?:js|css|html|svg|json|webmanifest|txt)$/;

function compressTree(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      compressTree(path);
      continue;
    }
    if (!compressible.test(name)) continue;
    const body = readFileSync(path);
    // Small files gain nothing worth a second request path.
    if (body.length < 1024) continue;
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
  }
}
