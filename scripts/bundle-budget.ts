/**
 * The super-app's performance budget, checked after every build: the JavaScript a first visit
 * downloads before anything is lazy-loaded (the entry chunk and its static imports) must stay under
 * 170 KB gzip, and every screen must be a chunk of its own. Prints the sizes; exits 1 over budget.
 *
 *   node scripts/bundle-budget.ts [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const initialBudgetBytes = 170 * 1024;

interface Chunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

export interface BundleSizes {
  initialJsGzip: number;
  initialFiles: string[];
  routes: Array<{ name: string; gzip: number }>;
}

export function bundleSizes(dist: string): BundleSizes {
  const manifest = JSON.parse(readFileSync(join(dist, 'asset-manifest.json'), 'utf8')) as Record<
    string,
    Chunk
  >;
  const gzip = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  const staticClosure = (key: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(key)) return seen;
    seen.add(key);
    for (const dep of manifest[key]?.imports ?? []) staticClosure(dep, seen);
    return seen;
  };
  const entry = Object.keys(manifest).find((k) => manifest[k]?.isEntry);
  if (!entry) throw new Error('no entry chunk in the build manifest');
  const initial = [...staticClosure(entry)].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
  return {
    initialJsGzip: initial.reduce((sum, f) => sum + gzip(f), 0),
    initialFiles: initial,
    routes: Object.values(manifest)
      .filter((c) => c.isDynamicEntry)
      .map((c) => ({ name: c.name ?? c.file, gzip: gzip(c.file) })),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dist = fileURLToPath(new URL('../web/dist/', import.meta.url));
  const sizes = bundleSizes(dist);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(sizes, null, 2)}\n`);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  process.stdout.write(
    `Initial JavaScript: ${kb(sizes.initialJsGzip)} gzip (budget ${kb(initialBudgetBytes)}), ${sizes.initialFiles.length} files\n` +
      `Lazy chunks: ${sizes.routes.map((r) => `${r.name} ${kb(r.gzip)}`).join(', ')}\n`,
  );
  if (sizes.initialJsGzip > initialBudgetBytes) {
    process.stderr.write('Over the performance budget: split the code or drop a dependency.\n');
    process.exit(1);
  }
}
