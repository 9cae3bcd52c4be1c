import autocannon from 'autocannon';
import { createApiKey } from '../src/server/modules/identity/index.ts';
import { seedDemoCountry } from '../src/server/modules/registries/index.ts';
import { openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { getCountryProfile } from '../src/shared/countries/index.ts';
import { createDatabase } from './databases.ts';
import { type Benchmark, median } from './harness.ts';
import { startJokko } from './server.ts';

/**
 * `GET /v1/registries/people/{nin}` through the real server process (auth, audit write and all)
 * at a fixed concurrency, with 1,000 and with 2,000,000 people on PostgreSQL.
 */

async function prepare(serverUrl: string, name: string, people: number, log: (m: string) => void) {
  const url = await createDatabase(serverUrl, name);
  const db = await openDatabase({ url });
  await migrate(db);
  const [run] = await db.query<{ people: number }>(
    'SELECT people FROM seed_runs ORDER BY created_at DESC LIMIT 1',
  );
  let seedRate: number | undefined;
  if (run?.people !== people) {
    log(`seeding ${people} people into ${name} (reused by later runs)...`);
    const started = performance.now();
    let lastLog = 0;
    await seedDemoCountry(db, {
      profile: getCountryProfile('SN'),
      people,
      seed: 'bench',
      reset: true,
      onProgress: (done, total) => {
        if (done - lastLog >= total / 10) {
          lastLog = done;
          log(`  ${done}/${total}`);
        }
      },
    });
    seedRate = people / ((performance.now() - started) / 1000);
    log(`seeded at ${Math.round(seedRate)} people/s`);
  }
  const nins = (await db.query<{ nin: string }>('SELECT nin FROM people ORDER BY random() LIMIT 5000')).map(
    (r) => r.nin,
  );
  const { key } = await createApiKey(db.db, {
    label: 'benchmark operator',
    actor: { kind: 'operator', id: 'bench', roles: ['registries:read'] },
  });
  await db.close();
  return { url, nins, key, seedRate };
}

async function load(base: string, key: string, nins: string[], seconds: number) {
  let i = 0;
  const result = await autocannon({
    url: base,
    connections: 16,
    duration: seconds,
    headers: { authorization: `Bearer ${key}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/v1/registries/people/${nins[i++ % nins.length]}` }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

export const benchmark: Benchmark = {
  name: 'registry-lookup',
  description: 'GET /v1/registries/people/{nin} latency p50/p99 at 1,000 vs 2,000,000 people (PostgreSQL)',
  async run(ctx) {
    if (!ctx.postgresUrl) return { rows: [], notes: ['PostgreSQL not reachable: skipped.'] };
    const sizes = ctx.quick ? [1_000, 50_000] : [1_000, 2_000_000];
    const seconds = ctx.quick ? 3 : 10;
    const reps = 3;
    const rows: Array<Record<string, string | number>> = [];
    const samples: Record<string, unknown> = {};
    const byPeople: Record<number, { p99: number }> = {};
    for (const people of sizes) {
      const { url, nins, key, seedRate } = await prepare(
        ctx.postgresUrl,
        `jokko_bench_${people}`,
        people,
        ctx.log,
      );
      const { child, base } = await startJokko(url);
      try {
        await load(base, key, nins, 2); // warm-up
        const runs = [];
        for (let r = 0; r < reps; r++) runs.push(await load(base, key, nins, seconds));
        samples[people] = runs;
        const p99 = median(runs.map((x) => x.p99));
        byPeople[people] = { p99 };
        rows.push({
          people,
          'requests/s': Math.round(median(runs.map((x) => x.rps))),
          'p50 ms': median(runs.map((x) => x.p50)),
          'p99 ms': p99,
          'seeded at people/s': seedRate ? Math.round(seedRate) : 'reused',
        });
      } finally {
        child.kill('SIGTERM');
      }
    }
    const [small, large] = sizes as [number, number];
    const ratio = byPeople[large]!.p99 / byPeople[small]!.p99;
    return {
      rows,
      data: { connections: 16, secondsPerRun: seconds, repetitions: reps, samples, p99Ratio: ratio },
      notes: [
        `p99 at ${large} people / p99 at ${small} people = ${ratio.toFixed(2)} (goal: within 2x).`,
        'Each request authenticates its API key, reads the person and appends an audit entry (the hash-chain write is in the measured path).',
        '16 connections, autocannon in the benchmark process, the server in its own process (2 cores shared).',
      ],
    };
  },
};
