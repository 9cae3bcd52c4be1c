import { seedDemoCountry } from '../src/server/modules/registries/index.ts';
import { openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { getCountryProfile } from '../src/shared/countries/index.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { type Benchmark, median } from './harness.ts';

/** People per second for `jokko seed`, all registries included, on each engine. */
export const benchmark: Benchmark = {
  name: 'seed-rate',
  description: 'Demo-population seeding rate (people/s, all registries) on PGlite and PostgreSQL',
  async run(ctx) {
    const profile = getCountryProfile('SN');
    const rows: Array<Record<string, string | number>> = [];
    const samples: Record<string, number[]> = {};

    const measure = async (
      engine: string,
      people: number,
      reps: number,
      open: () => Promise<{ db: Awaited<ReturnType<typeof openDatabase>>; done: () => Promise<void> }>,
    ) => {
      const rates: number[] = [];
      let records = 0;
      for (let r = 0; r < reps; r++) {
        const { db, done } = await open();
        await migrate(db);
        const started = performance.now();
        const summary = await seedDemoCountry(db, { profile, people, seed: `bench-${r}` });
        const seconds = (performance.now() - started) / 1000;
        records = Object.entries(summary).reduce((s, [k, v]) => (k === 'registries' ? s : s + v), 0);
        rates.push(people / seconds);
        ctx.log(
          `${engine} ${people} people: ${seconds.toFixed(1)} s (${Math.round(people / seconds)} people/s)`,
        );
        await done();
      }
      samples[engine] = rates;
      rows.push({
        engine,
        people,
        runs: reps,
        'people/s (median)': Math.round(median(rates)),
        'records per run': records,
      });
    };

    await measure('pglite', ctx.quick ? 2_000 : 20_000, 3, async () => {
      const db = await openDatabase({ dataDir: 'memory://' });
      return { db, done: () => db.close() };
    });
    if (ctx.postgresUrl) {
      const server = ctx.postgresUrl;
      await measure('postgres', ctx.quick ? 10_000 : 200_000, ctx.quick ? 1 : 3, async () => {
        const url = await createDatabase(server, 'jokko_bench_seed', { dropFirst: true });
        const db = await openDatabase({ url });
        return {
          db,
          done: async () => {
            await db.close();
            await dropDatabase(server, 'jokko_bench_seed');
          },
        };
      });
    }
    return {
      rows,
      data: { samples },
      notes: [
        'Fresh in-memory PGlite / fresh PostgreSQL database per run; includes COPY of every registry table and ANALYZE.',
        'The 2,000,000-people figure is measured by the registry-lookup benchmark when it builds its large database.',
      ],
    };
  },
};
