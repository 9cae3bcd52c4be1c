import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchContext, Benchmark } from './harness.ts';
import { machineInfo } from './harness.ts';

/**
 * `npm run bench [-- name ...] [--quick]`: runs the named benchmarks (all by default), prints each
 * table and writes bench/results/<name>.json. PostgreSQL comes from BENCH_DATABASE_URL or
 * DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres when it answers.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, list: { type: 'boolean', default: false } },
  allowPositionals: true,
});

async function loadBenchmarks(): Promise<Benchmark[]> {
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const loaded: Benchmark[] = [];
  for (const file of files) {
    const mod = (await import(join(here, file))) as { benchmark?: Benchmark };
    if (mod.benchmark) loaded.push(mod.benchmark);
  }
  return loaded;
}

async function postgresUrl(): Promise<string | undefined> {
  const candidate =
    process.env.BENCH_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: candidate, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return candidate;
  } catch {
    return undefined;
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const all = await loadBenchmarks();
if (values.list) {
  for (const b of all) process.stdout.write(`${b.name.padEnd(24)} ${b.description}\n`);
  process.exit(0);
}
const unknown = positionals.filter((n) => !all.some((b) => b.name === n));
if (unknown.length) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${all.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = positionals.length ? all.filter((b) => positionals.includes(b.name)) : all;
const ctx: BenchContext = {
  postgresUrl: await postgresUrl(),
  quick: values.quick ?? false,
  log: (message) => process.stderr.write(`  ${message}\n`),
};
if (!ctx.postgresUrl) process.stderr.write('PostgreSQL not reachable: PostgreSQL figures are skipped.\n');

const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
let failed = 0;
for (const bench of selected) {
  process.stdout.write(`\n## ${bench.name}: ${bench.description}\n`);
  const started = Date.now();
  try {
    const report = await bench.run(ctx);
    console.table(report.rows);
    for (const note of report.notes ?? []) process.stdout.write(`  note: ${note}\n`);
    const file = join(resultsDir, `${bench.name}${ctx.quick ? '.quick' : ''}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          benchmark: bench.name,
          description: bench.description,
          date: new Date().toISOString(),
          commit: gitCommit(),
          quick: ctx.quick,
          durationSeconds: Math.round((Date.now() - started) / 1000),
          machine: machineInfo(),
          rows: report.rows,
          notes: report.notes ?? [],
          data: report.data ?? {},
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`  written to ${file}\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`  ${bench.name} failed: ${(err as Error).stack}\n`);
  }
}
process.exit(failed ? 1 : 0);
