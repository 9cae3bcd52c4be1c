import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAuditLog, verifyAuditLog } from '../src/server/modules/audit/index.ts';
import { type Database, openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { type Benchmark, median } from './harness.ts';

/** The i-th audit event of the benchmarks: an operator reading a person, as the registries record it. */
export const event = (i: number) => ({
  actor: { kind: 'operator', id: `op-${i % 5}` },
  action: 'registries.person.read',
  subject: { kind: 'person', id: `1${String(i).padStart(12, '0')}` },
  outcome: 'success' as const,
  origin: { ip: '127.0.0.1', requestId: `req-${i}` },
});

async function sequential(db: Database, n: number): Promise<number> {
  const audit = createAuditLog(db);
  const started = performance.now();
  for (let i = 0; i < n; i++) await audit.record(event(i));
  return n / ((performance.now() - started) / 1000);
}

async function concurrent(db: Database, writers: number, perWriter: number): Promise<number> {
  const audit = createAuditLog(db);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) await audit.record(event(w * perWriter + i));
    }),
  );
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

async function processes(url: string, count: number, perProcess: number): Promise<number> {
  const worker = fileURLToPath(
    new URL('../src/server/modules/audit/testing/append-worker.ts', import.meta.url),
  );
  // Each worker reports when it started and finished appending; process start-up is excluded.
  const spans = await Promise.all(
    Array.from(
      { length: count },
      (_, n) =>
        new Promise<{ start: number; end: number }>((resolve, reject) => {
          const child = spawn(process.execPath, [worker, url, String(perProcess), `bench-${n}`], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
          });
          child.on('close', (code) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`)),
          );
        }),
    ),
  );
  const seconds = (Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start))) / 1000;
  return (count * perProcess) / seconds;
}

export const benchmark: Benchmark = {
  name: 'audit-append',
  description: 'Audit log appends/s (1 writer, 8 concurrent writers) and verification rate',
  async run(ctx) {
    const n = ctx.quick ? 300 : 2_000;
    const reps = 3;
    const rows: Array<Record<string, string | number>> = [];
    const engines: Array<{
      name: string;
      open: () => Promise<{ db: Database; url?: string; done: () => Promise<void> }>;
    }> = [
      {
        name: 'pglite',
        open: async () => {
          const db = await openDatabase({ dataDir: 'memory://' });
          await migrate(db);
          return { db, done: () => db.close() };
        },
      },
    ];
    if (ctx.postgresUrl) {
      const server = ctx.postgresUrl;
      engines.push({
        name: 'postgres',
        open: async () => {
          const url = await createDatabase(server, 'jokko_bench_audit', { dropFirst: true });
          const db = await openDatabase({ url });
          await migrate(db);
          return {
            db,
            url,
            done: async () => {
              await db.close();
              await dropDatabase(server, 'jokko_bench_audit');
            },
          };
        },
      });
    }
    const samples: Record<string, number[]> = {};
    for (const engine of engines) {
      const single: number[] = [];
      const eight: number[] = [];
      const procs: number[] = [];
      const verify: number[] = [];
      for (let r = 0; r < reps; r++) {
        const { db, url, done } = await engine.open();
        single.push(await sequential(db, n));
        eight.push(await concurrent(db, 8, n / 8));
        if (url) procs.push(await processes(url, 8, n / 8));
        const started = performance.now();
        const result = await verifyAuditLog(db);
        if (!result.ok) throw new Error('audit log did not verify after the benchmark');
        verify.push(result.entries / ((performance.now() - started) / 1000));
        await done();
      }
      samples[`${engine.name}.single`] = single;
      samples[`${engine.name}.concurrent8`] = eight;
      samples[`${engine.name}.verify`] = verify;
      rows.push({
        engine: engine.name,
        writers: '1 (sequential awaits)',
        'appends/s (median)': Math.round(median(single)),
      });
      rows.push({
        engine: engine.name,
        writers: '8 async in one process',
        'appends/s (median)': Math.round(median(eight)),
      });
      if (procs.length) {
        samples[`${engine.name}.processes8`] = procs;
        rows.push({
          engine: engine.name,
          writers: '8 processes',
          'appends/s (median)': Math.round(median(procs)),
        });
      }
      rows.push({
        engine: engine.name,
        writers: 'verification (entries/s)',
        'appends/s (median)': Math.round(median(verify)),
      });
    }
    return {
      rows,
      data: { appendsPerRun: n, repetitions: reps, samples },
      notes: [`${n} appends per measurement, ${reps} repetitions, median reported.`],
    };
  },
};
