import { createHash } from 'node:crypto';
import {
  consistencyProofOf,
  createAuditLog,
  inclusionProofOf,
  nodesForAppend,
  proveEntryOnBehalf,
  publishTreeHead,
  rootOfSiblings,
} from '../src/server/modules/audit/index.ts';
import { type Database, openDatabase } from '../src/server/platform/db/database.ts';
import { migrate } from '../src/server/platform/db/migrate.ts';
import { createLocalKms } from '../src/server/platform/kms.ts';
import { verifyConsistency, verifyInclusion } from '../src/shared/audit/merkle.ts';
import { event } from './audit.bench.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { type Benchmark, median, percentile } from './harness.ts';

const kms = createLocalKms(Buffer.alloc(32, 7), 'bench');
const latestHead = async (db: Database) =>
  Number((await db.query<{ n: string }>('SELECT max(tree_size) AS n FROM audit_tree_heads'))[0]?.n ?? 0);

/** Appends/s from 8 concurrent writers, alone and while a reader proves random entries non-stop. */
async function appendsWithProofs(
  db: Database,
  n: number,
): Promise<{ alone: number; withProofs: number; proofsPerSecond: number }> {
  const audit = createAuditLog(db);
  const deps = { database: db, audit, kms, clock: () => new Date() };
  const writers = async (offset: number) => {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < n / 8; i++) await audit.record(event(offset + w * n + i));
      }),
    );
    return n / ((performance.now() - started) / 1000);
  };
  const alone = await writers(0);
  let stop = false;
  let proofs = 0;
  // As in production: a head is published now and then (here every 200 ms, the worker does it every
  // minute) and citizens prove entries that a published head covers.
  const publisher = (async () => {
    while (!stop) {
      await publishTreeHead(deps);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  await publishTreeHead(deps);
  const reader = (async () => {
    while (!stop) {
      const head = await latestHead(db);
      await proveEntryOnBehalf(deps, Math.floor(Math.random() * head));
      proofs++;
    }
  })();
  const started = performance.now();
  const withProofs = await writers(n * 8);
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all([reader, publisher]);
  return { alone, withProofs, proofsPerSecond: proofs / seconds };
}

/**
 * A tree of `size` leaves written straight into audit_tree_nodes with COPY: proofs read that table
 * only, so the entries themselves are left out (writing ten million audit rows would measure the
 * append path, which the first part does). Returns the roots at the checkpoints.
 */
async function buildTree(
  db: Database,
  size: number,
  checkpoints: number[],
  onProgress: (done: number) => void,
) {
  const siblings = new Map<number, Buffer>();
  const roots = new Map<number, string>();
  async function* rows() {
    const batch = 10_000;
    for (let at = 0; at < size; at += batch) {
      const leaves: Buffer[] = [];
      for (let i = at; i < Math.min(size, at + batch); i++)
        leaves.push(createHash('sha256').update(Uint8Array.of(0)).update(`entry ${i}`).digest());
      for (const [k, leaf] of leaves.entries()) {
        for (const node of nodesForAppend(at + k, siblings, [leaf]))
          yield [node.level, node.idx, `\\x${node.hash.toString('hex')}`];
        if (checkpoints.includes(at + k + 1))
          roots.set(at + k + 1, rootOfSiblings(siblings)!.toString('hex'));
      }
      onProgress(Math.min(size, at + batch));
    }
  }
  await db.copyRows('audit_tree_nodes', ['level', 'idx', 'hash'], rows());
  return roots;
}

export const benchmark: Benchmark = {
  name: 'audit-proofs',
  description:
    'Transparency log: appends/s alone and while proofs are generated; inclusion and consistency proof time at up to 10,000,000 entries',
  async run(ctx) {
    const n = ctx.quick ? 400 : 2_000;
    const reps = 3;
    const rows: Array<Record<string, string | number>> = [];
    const samples: Record<string, number[]> = {};
    const server = ctx.postgresUrl;
    const open = async (name: string) => {
      if (!server) {
        const db = await openDatabase({ dataDir: 'memory://' });
        await migrate(db);
        return { db, engine: 'pglite', done: () => db.close() };
      }
      const url = await createDatabase(server, name, { dropFirst: true });
      const db = await openDatabase({ url });
      await migrate(db);
      return {
        db,
        engine: 'postgres',
        done: async () => {
          await db.close();
          await dropDatabase(server, name);
        },
      };
    };

    const alone: number[] = [];
    const together: number[] = [];
    const proofRate: number[] = [];
    let engine = 'pglite';
    for (let r = 0; r < reps; r++) {
      const { db, done, engine: e } = await open('jokko_bench_audit_proofs');
      engine = e;
      const m = await appendsWithProofs(db, n);
      alone.push(m.alone);
      together.push(m.withProofs);
      proofRate.push(m.proofsPerSecond);
      await done();
    }
    samples.appendsAlone = alone;
    samples.appendsWhileProving = together;
    samples.proofsPerSecond = proofRate;
    rows.push({ engine, measure: 'appends/s, 8 writers, tree kept', median: Math.round(median(alone)) });
    rows.push({
      engine,
      measure: 'appends/s, 8 writers, while a reader proves entries',
      median: Math.round(median(together)),
    });
    rows.push({
      engine,
      measure: 'inclusion proofs/s during those appends',
      median: Math.round(median(proofRate)),
    });

    const size = ctx.quick ? 100_000 : 10_000_000;
    const checkpoints = [10_000, 1_000_000, size].filter((c, i, all) => c <= size && all.indexOf(c) === i);
    const { db, done } = await open('jokko_bench_audit_tree');
    try {
      const started = performance.now();
      let last = 0;
      const roots = await buildTree(db, size, checkpoints, (d) => {
        if (d - last >= size / 10) {
          last = d;
          ctx.log?.(`tree: ${d.toLocaleString('en')} / ${size.toLocaleString('en')} leaves`);
        }
      });
      const buildSeconds = (performance.now() - started) / 1000;
      for (const treeSize of checkpoints) {
        const root = roots.get(treeSize)!;
        const inclusion: number[] = [];
        const consistency: number[] = [];
        for (let i = 0; i < 200; i++) {
          const leaf = Math.floor(Math.random() * treeSize);
          const t0 = performance.now();
          const path = await inclusionProofOf(db, leaf, treeSize);
          inclusion.push(performance.now() - t0);
          const leafHash = createHash('sha256')
            .update(Uint8Array.of(0))
            .update(`entry ${leaf}`)
            .digest('hex');
          const proof = { leafIndex: leaf, treeSize, path: path.map((h) => h.toString('hex')) };
          if (!(await verifyInclusion(leafHash, proof, root)))
            throw new Error('an inclusion proof did not verify');
        }
        const smaller = checkpoints[0]!;
        if (smaller < treeSize)
          for (let i = 0; i < 50; i++) {
            const t0 = performance.now();
            const path = await consistencyProofOf(db, smaller, treeSize);
            consistency.push(performance.now() - t0);
            const ok = await verifyConsistency(
              { fromSize: smaller, toSize: treeSize, path: path.map((h) => h.toString('hex')) },
              roots.get(smaller)!,
              root,
            );
            if (!ok) throw new Error('a consistency proof did not verify');
          }
        samples[`inclusionMs.${treeSize}`] = inclusion;
        rows.push({
          engine,
          measure: `inclusion proof at ${treeSize.toLocaleString('en')} entries (ms, median / p95)`,
          median: `${median(inclusion).toFixed(2)} / ${percentile(inclusion, 95).toFixed(2)}`,
        });
        if (consistency.length) {
          samples[`consistencyMs.${treeSize}`] = consistency;
          rows.push({
            engine,
            measure: `consistency proof ${smaller.toLocaleString('en')} → ${treeSize.toLocaleString('en')} (ms, median / p95)`,
            median: `${median(consistency).toFixed(2)} / ${percentile(consistency, 95).toFixed(2)}`,
          });
        }
      }
      return {
        rows,
        data: { appendsPerRun: n, repetitions: reps, treeSize: size, buildSeconds, samples },
        notes: [
          `${n} appends per measurement by 8 concurrent writers in one process, ${reps} repetitions, median reported.`,
          `The ${size.toLocaleString('en')}-leaf tree (about ${(2 * size).toLocaleString('en')} stored nodes) was written with COPY in ${buildSeconds.toFixed(0)} s; proofs read only that table.`,
          'Each proof measured was verified against the root computed while building (RFC 9162 §2.1.3.2 / §2.1.4.2).',
        ],
      };
    } finally {
      await done();
    }
  },
};
