import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TreeHead, verifyConsistency, verifyInclusion } from '../../../shared/audit/merkle.ts';
import { createTestDatabase, type TestDatabase, testEngines } from '../../platform/db/testing.ts';
import { createLocalKms } from '../../platform/kms.ts';
import { runJokko } from '../../testing/processes.ts';
import { createTestApp, type TestApp } from '../../testing.ts';
import {
  type AuditEvent,
  createAuditLog,
  leafHashOf,
  proveConsistency,
  proveEntry,
  publishTreeHead,
  rotateLogKey,
  runWitness,
  verifyAuditLog,
} from './index.ts';

const event = (i: number, nin = `1${String(i).padStart(12, '0')}`): AuditEvent => ({
  actor: { kind: 'operator', id: `op-${i % 3}` },
  action: 'registries.person.read',
  subject: { kind: 'person', id: nin },
  outcome: 'success',
  details: { i },
});

/** RFC 9162 §2.1.1 written out the slow way, independent of the stored tree: the reference root. */
function referenceRoot(leaves: Buffer[]): string {
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 0) return createHash('sha256').digest();
    if (d.length === 1) return d[0]!;
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return createHash('sha256')
      .update(Uint8Array.of(1))
      .update(mth(d.slice(0, k)))
      .update(mth(d.slice(k)))
      .digest();
  };
  return mth(leaves).toString('hex');
}

/** An administrator with direct access: disables the append-only triggers for one statement. */
async function tamper(t: TestDatabase, sql: string): Promise<void> {
  await t.database.transaction(async (s) => {
    for (const table of ['audit_log', 'audit_tree_nodes', 'audit_tree_heads'])
      await s.exec(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await s.exec(sql);
    for (const table of ['audit_log', 'audit_tree_nodes', 'audit_tree_heads'])
      await s.exec(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  });
}

const kms = createLocalKms(randomBytes(32), 'test-master');
const operator = { kind: 'operator' as const, id: 'op-auditor', roles: ['audit:read', 'audit:verify'] };

describe.each(testEngines())('transparency log on %s', (kind) => {
  let t: TestDatabase;
  const deps = () => ({
    database: t.database,
    audit: createAuditLog(t.database),
    kms,
    clock: () => new Date(),
  });
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.dispose());

  it('RFC 9162 §2.1.3 and §2.1.4: every inclusion and consistency proof of trees of 1 to 20 entries verifies against the reference root', async () => {
    const audit = createAuditLog(t.database);
    const leaves: Buffer[] = [];
    const roots: string[] = [];
    for (let n = 1; n <= 20; n++) {
      leaves.push(leafHashOf(await audit.record(event(n))));
      const head = await publishTreeHead(deps());
      expect(head.treeSize).toBe(n);
      expect(head.rootHash).toBe(referenceRoot(leaves));
      roots.push(head.rootHash);
    }
    for (let n = 1; n <= 20; n++) {
      for (let m = 0; m < n; m++) {
        const { inclusion, leafHash } = await proveEntry(deps(), operator, m, n);
        expect(leafHash).toBe(leaves[m]!.toString('hex'));
        expect(await verifyInclusion(leafHash, inclusion, roots[n - 1]!)).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = await proveConsistency(deps(), m, n);
        expect(await verifyConsistency(proof, roots[m - 1]!, roots[n - 1]!)).toBe(true);
      }
    }
  }, 120_000);

  it('a proof for another leaf, another index, a changed path or another root does not verify', async () => {
    const audit = createAuditLog(t.database);
    await audit.recordMany(Array.from({ length: 21 }, (_, i) => event(i)));
    const head = await publishTreeHead(deps());
    const { inclusion, leafHash } = await proveEntry(deps(), operator, 13);
    expect(await verifyInclusion(leafHash, inclusion, head.rootHash)).toBe(true);
    const other = (await proveEntry(deps(), operator, 12)).leafHash;
    expect(await verifyInclusion(other, inclusion, head.rootHash)).toBe(false);
    expect(await verifyInclusion(leafHash, { ...inclusion, leafIndex: 12 }, head.rootHash)).toBe(false);
    const path = [...inclusion.path];
    path[1] = createHash('sha256').update('forged').digest('hex');
    expect(await verifyInclusion(leafHash, { ...inclusion, path }, head.rootHash)).toBe(false);
    expect(
      await verifyInclusion(leafHash, { ...inclusion, path: inclusion.path.slice(1) }, head.rootHash),
    ).toBe(false);
    const consistency = await proveConsistency(deps(), 8, 21);
    expect(await verifyConsistency(consistency, head.rootHash, head.rootHash)).toBe(false);
  });

  it('keeps the tree in step with 300 concurrent appends and grows a log written before the tree existed', async () => {
    const audit = createAuditLog(t.database);
    const entries = await Promise.all(Array.from({ length: 300 }, (_, i) => audit.record(event(i))));
    const bySeq = entries.sort((a, b) => a.seq - b.seq).map(leafHashOf);
    expect((await publishTreeHead(deps())).rootHash).toBe(referenceRoot(bySeq));
    // An older version wrote entries without the tree: its nodes are gone, as after the upgrade.
    await tamper(t, 'DELETE FROM audit_tree_nodes WHERE idx >= 0; DELETE FROM audit_tree_heads');
    const more = await audit.recordMany([event(300), event(301)]);
    const head = await publishTreeHead(deps());
    expect(head.treeSize).toBe(302);
    expect(head.rootHash).toBe(referenceRoot([...bySeq, ...more.map(leafHashOf)]));
    expect(await verifyAuditLog(t.database)).toMatchObject({ ok: true, entries: 302, treeHeadsChecked: 1 });
  });

  describe('detects what the hash chain alone could not', () => {
    beforeEach(async () => {
      await createAuditLog(t.database).recordMany(Array.from({ length: 100 }, (_, i) => event(i)));
      await publishTreeHead(deps());
      await createAuditLog(t.database).recordMany(Array.from({ length: 20 }, (_, i) => event(100 + i)));
      await publishTreeHead(deps());
      expect(await verifyAuditLog(t.database)).toMatchObject({ ok: true, entries: 120, treeHeadsChecked: 2 });
    });

    it('entries removed from the end after a signed head', async () => {
      await tamper(t, 'DELETE FROM audit_log WHERE seq >= 110');
      expect((await verifyAuditLog(t.database)).firstBroken).toMatchObject({
        seq: 110,
        reason: expect.stringMatching(/removed from its end/),
      });
    });

    it('the chain rewritten from an entry on, hashes recomputed: the stored tree and the signed heads disagree', async () => {
      // The administrator rewrites entry 50 and re-chains everything after it, as the chain allows,
      // and rebuilds the tree from the forged entries (the next append does it).
      await tamper(t, 'DELETE FROM audit_log WHERE seq >= 50; DELETE FROM audit_tree_nodes WHERE idx >= 0');
      await createAuditLog(t.database).recordMany(
        Array.from({ length: 70 }, (_, i) => event(50 + i, '1999999999999')),
      );
      const result = await verifyAuditLog(t.database);
      expect(result.ok).toBe(false);
      expect(result.firstBroken?.reason).toMatch(/signed tree head of size 100 does not match/);
    });

    it('a stored tree node altered', async () => {
      await tamper(t, "UPDATE audit_tree_nodes SET hash = sha256('x'::bytea) WHERE level = 3 AND idx = 5");
      expect((await verifyAuditLog(t.database)).firstBroken?.reason).toMatch(
        /tree node \(3, 5\) does not match/,
      );
    });

    it('a signed head whose root was replaced', async () => {
      await tamper(t, "UPDATE audit_tree_heads SET root_hash = sha256('x'::bytea) WHERE tree_size = 100");
      expect((await verifyAuditLog(t.database)).firstBroken?.reason).toMatch(/tree head of size 100/);
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of tree nodes and heads through SQL', async () => {
    await createAuditLog(t.database).record(event(0));
    await publishTreeHead(deps());
    for (const table of ['audit_tree_nodes', 'audit_tree_heads']) {
      await expect(t.database.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
      await expect(t.database.query(`TRUNCATE ${table}`)).rejects.toThrow(/append-only/);
    }
  });
});

describe.each(testEngines())('transparency log over HTTP on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let operatorKey: string;
  const citizen = { kind: 'citizen' as const, id: 'acc-aminata', nin: '2010101000001', roles: [] };
  let aminataSeq: number;
  let otherSeq: number;

  beforeAll(async () => {
    t = await createTestApp(kind);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/audit`;
    operatorKey = await t.keyFor({ roles: ['audit:read', 'audit:verify'] });
    const audit = createAuditLog(t.db.database);
    const entries = await audit.recordMany([event(1, citizen.nin), event(2, '1020202000002')]);
    aminataSeq = entries[0]!.seq;
    otherSeq = entries[1]!.seq;
  }, 120_000);
  afterAll(async () => t?.dispose());

  const get = (path: string, key?: string) =>
    fetch(`${base}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

  it('publishes a signed tree head anyone can read, and the log keys to check it', async () => {
    const res = await get('/tree-head');
    expect(res.status).toBe(200);
    const head = (await res.json()) as TreeHead;
    expect(head.treeSize).toBeGreaterThanOrEqual(2);
    const keys = (await (await get('/log-keys')).json()) as {
      keys: Array<{ kid: string; kty: string; d?: string }>;
    };
    expect(keys.keys.map((k) => k.kid)).toContain(head.kid);
    expect(keys.keys.every((k) => k.kty === 'OKP' && k.d === undefined)).toBe(true);
  });

  it('proves an entry to the citizen it is about; another citizen gets 404, an anonymous caller 401', async () => {
    const deps = {
      database: t.db.database,
      audit: createAuditLog(t.db.database),
      kms,
      clock: () => new Date(),
    };
    const proof = await proveEntry(deps, citizen, aminataSeq);
    expect(await verifyInclusion(proof.leafHash, proof.inclusion, proof.treeHead.rootHash)).toBe(true);
    expect(leafHashOf(proof.entry).toString('hex')).toBe(proof.leafHash);
    await expect(proveEntry(deps, citizen, otherSeq)).rejects.toMatchObject({ slug: 'not-found' });
    expect((await get(`/entries/${aminataSeq}/proof`)).status).toBe(401);
    const byOperator = await get(`/entries/${otherSeq}/proof`, operatorKey);
    expect(byOperator.status).toBe(200);
    const body = (await byOperator.json()) as Awaited<ReturnType<typeof proveEntry>>;
    expect(await verifyInclusion(body.leafHash, body.inclusion, body.treeHead.rootHash)).toBe(true);
    const noRole = await get(`/entries/${otherSeq}/proof`, await t.keyFor({ roles: [] }));
    expect(noRole.status).toBe(404);
  });

  it('a rotated log key signs the next heads: a witness that pinned the old one accepts it, old heads still verify', async () => {
    const before = await runWitness({ log: base });
    if (before.kind !== 'first') throw new Error(before.kind);
    const rotated = await rotateLogKey({ database: t.db.database, kms: t.kms, clock: () => new Date() });
    expect(rotated.retired).toContain(before.head.kid);
    await createAuditLog(t.db.database).record(event(99));
    await fetch(`${base}/tree-heads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorKey}` },
    });
    const after = await runWitness({ log: base, state: before.state });
    expect(after).toMatchObject({ kind: 'extended', head: { kid: rotated.kid } });
    if (after.kind !== 'extended') return;
    expect(after.state.keys.map((k) => k.kid)).toEqual(
      expect.arrayContaining([before.head.kid, rotated.kid]),
    );
    expect(await verifyAuditLog(t.db.database)).toMatchObject({ ok: true });
  });

  it('a witness keeps the head, accepts an extension and alerts on a rewrite and a truncation', async () => {
    const first = await runWitness({ log: base });
    expect(first.kind).toBe('first');
    if (first.kind !== 'first') return;
    await createAuditLog(t.db.database).recordMany(Array.from({ length: 9 }, (_, i) => event(10 + i)));
    await fetch(`${base}/tree-heads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorKey}` },
    });
    const extended = await runWitness({ log: base, state: first.state });
    expect(extended).toMatchObject({ kind: 'extended', previous: { treeSize: first.head.treeSize } });
    if (extended.kind !== 'extended') return;
    expect(await runWitness({ log: base, state: extended.state })).toMatchObject({ kind: 'unchanged' });

    // The operator, holding the database and the log key, replaces the last 5 entries and re-signs.
    const size = extended.head.treeSize;
    await tamper(
      t.db,
      `DELETE FROM audit_log WHERE seq >= ${size - 5}; DELETE FROM audit_tree_nodes WHERE idx >= 0;
       DELETE FROM audit_tree_heads WHERE tree_size > ${size - 5}`,
    );
    await createAuditLog(t.db.database).recordMany(Array.from({ length: 8 }, (_, i) => event(50 + i)));
    await fetch(`${base}/tree-heads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorKey}` },
    });
    const rewritten = await runWitness({ log: base, state: extended.state });
    expect(rewritten).toMatchObject({ kind: 'alert', reason: expect.stringMatching(/does not extend/) });

    const truncatedState = {
      ...extended.state,
      head: { ...extended.state.head, treeSize: extended.state.head.treeSize + 1000 },
    };
    expect(await runWitness({ log: base, state: truncatedState })).toMatchObject({
      kind: 'alert',
      reason: expect.stringMatching(/shrank/),
    });
  });

  // The witness talks HTTP only: one engine is enough for its process test.
  it.runIf(kind === 'pglite')(
    'jokko audit witness (the CLI, as a process) exits 0 and keeps its state, then 1 on a forged head',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jokko-witness-'));
      const state = join(dir, 'state.json');
      const run = async () => {
        const { code, stdout, stderr } = await runJokko([
          'audit',
          'witness',
          '--log',
          base,
          '--state',
          state,
        ]);
        return { code, out: stdout + stderr };
      };
      const first = await run();
      expect(first).toMatchObject({ code: 0, out: expect.stringMatching(/First head kept/) });
      const again = await run();
      expect(again).toMatchObject({ code: 0, out: expect.stringMatching(/Unchanged|Consistent/) });
      const head = (await (await get('/tree-head')).json()) as TreeHead;
      await tamper(t.db, `UPDATE audit_tree_heads SET jws = jws || 'x' WHERE tree_size = ${head.treeSize}`);
      const forged = await run();
      expect(forged.code).toBe(1);
      expect(forged.out).toMatch(/ALERT: .*not validly signed/);
    },
    180_000,
  );
});
