import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing.ts';

const css = 'body{color:#111}';
const index = '<!doctype html><title>Jokko</title><div id="root"></div>';
const appShell = `<!doctype html><title>Jokko</title><style>${css}</style><div id="root"><form action="/app/sign-in"><button>Se connecter</button></form></div>`;
const script = `console.log(${JSON.stringify('x'.repeat(2000))});`;

/** A built web directory as the build writes it: the shells, an asset, their .br and .gz. */
function builtWebDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jokko-web-shells-'));
  mkdirSync(join(dir, 'assets'));
  const write = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(body));
    writeFileSync(join(dir, `${name}.gz`), gzipSync(body));
  };
  write('index.html', index);
  write('app.html', appShell);
  write('assets/index-abc123.js', script);
  return dir;
}

describe('web shells: a first screen before the JavaScript, compressed, assets cached for good', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', {}, { webDir: builtWebDir() });
  });
  afterAll(async () => t.dispose());

  const get = (url: string, encoding = '') =>
    t.app.inject({ method: 'GET', url, headers: { accept: 'text/html', 'accept-encoding': encoding } });

  it('answers /app with the drawn sign-in screen, its inline styles allowed by hash and nothing else', async () => {
    for (const url of ['/app', '/app/settings', '/app/sign-in']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(appShell);
      expect(res.headers['cache-control']).toBe('no-cache');
      const hash = createHash('sha256').update(css).digest('base64');
      expect(res.headers['content-security-policy']).toContain(`style-src 'self' 'sha256-${hash}';`);
      expect(res.headers['content-security-policy']).toContain("script-src 'self';");
    }
  });

  it('keeps the plain shell for the sign-in callback, the other apps and unknown page paths', async () => {
    for (const url of [
      '/app/callback?code=x&state=y',
      '/office',
      '/verify/output',
      '/services/performance',
      '/nowhere',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(index);
      expect(res.headers['content-security-policy'], url).toContain("style-src 'self';");
    }
  });

  it('sends the brotli or gzip file the build wrote when the browser accepts it', async () => {
    const br = await get('/app', 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(appShell);
    expect((await get('/app', 'gzip')).headers['content-encoding']).toBe('gzip');

    const asset = await get('/assets/index-abc123.js', 'br');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(asset.rawPayload).toString()).toBe(script);
    const plain = await get('/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
  });

  it('caches the hashed assets for a year, never the shells', async () => {
    expect((await get('/assets/index-abc123.js', 'br')).headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    expect((await get('/', 'br')).headers['cache-control']).not.toMatch(/immutable/);
  });
});
