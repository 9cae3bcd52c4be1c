import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start` builds the web apps when web/dist is missing or older than their sources, so a fresh
 * clone needs only `npm install && npm start`.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'web/dist/index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (!existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(root, 'web'))) {
  process.stdout.write('Building the web apps (first start or changed sources)...\n');
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web/vite.config.ts'), logLevel: 'warn' });
}
