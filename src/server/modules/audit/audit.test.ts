import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../../platform/actor.ts';
import { createTestDatabase, type TestDatabase, testEngines } from '../../platform/db/testing.ts';
import { Problem } from '../../platform/http/problems.ts';
import { createLocalKms } from '../../platform/kms.ts';
import {
  type AuditEvent,
  createAuditLog,
  listAuditEntries,
  verifyAuditLog,
  verifyAuditLogAs,
} from './index.ts';

const event = (i: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  actor: { kind: 'operator', id: `op-${i % 3}` },
  action: 'registries.person.read',
  subject: { kind: 'person', id: `1${String(i).padStart(12, '0')}` },
  outcome: 'success',
  origin: { ip: '127.0.0.1', requestId: `req-${i}` },
  details: { i, note: 'é and "quotes"', nested: { b: 2, a: 1 } },
  ...over,
});

/** An administrator with direct access: bypasses the append-only triggers. */
async function tamper(t: TestDatabase, sql: string): Promise<void> {
  await t.database.transaction(async (s) => {
    await s.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await s.exec(sql);
    await s.exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
  });
}

describe.each(testEngines())('audit log on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.dispose());

  it('appends a chain that verifies, each entry linked to the previous one', async () => {
    const audit = createAuditLog(t.database);
    const a = await audit.record(event(0));
    const b = await audit.record(event(1, { actingAs: 'DGID', subject: undefined }));
    expect(a.seq).toBe(0);
    expect(a.prevHash).toBe('0'.repeat(64));
    expect(b.seq).toBe(1);
    expect(b.prevHash).toBe(a.hash);
    expect(await verifyAuditLog(t.database)).toMatchObject({ ok: true, entries: 2, headHash: b.hash });
  });

  it('verifies an empty log', async () => {
    expect(await verifyAuditLog(t.database)).toMatchObject({
      ok: true,
      entries: 0,
      headHash: null,
      rootHash: null,
    });
  });

  it('keeps 200 concurrent records from one process in one linear chain', async () => {
    const audit = createAuditLog(t.database);
    const entries = await Promise.all(Array.from({ length: 200 }, (_, i) => audit.record(event(i))));
    expect(entries.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const result = await verifyAuditLog(t.database);
    expect(result).toMatchObject({ ok: true, entries: 200 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE through SQL', async () => {
    await createAuditLog(t.database).record(event(0));
    await expect(t.database.query("UPDATE audit_log SET outcome = 'denied'")).rejects.toThrow(/append-only/);
    await expect(t.database.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(t.database.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
  });

  describe('detects tampering by an administrator', () => {
    let ids: string[];
    beforeEach(async () => {
      const entries = await createAuditLog(t.database).recordMany(
        Array.from({ length: 600 }, (_, i) => event(i)),
      );
      ids = entries.map((e) => e.id);
      expect((await verifyAuditLog(t.database)).ok).toBe(true);
    });

    it('an edited entry, named by seq and id', async () => {
      await tamper(t, "UPDATE audit_log SET details = jsonb_set(details, '{i}', '999') WHERE seq = 421");
      expect(await verifyAuditLog(t.database)).toMatchObject({
        ok: false,
        entries: 421,
        firstBroken: { seq: 421, id: ids[421], reason: expect.stringMatching(/edited/) },
      });
    });

    it('an edited outcome', async () => {
      await tamper(t, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 7");
      expect((await verifyAuditLog(t.database)).firstBroken).toMatchObject({ seq: 7, id: ids[7] });
    });

    it('a deleted entry', async () => {
      await tamper(t, 'DELETE FROM audit_log WHERE seq = 500');
      expect((await verifyAuditLog(t.database)).firstBroken).toMatchObject({
        seq: 500,
        id: null,
        reason: expect.stringMatching(/deleted/),
      });
    });

    it('two entries swapped', async () => {
      await tamper(
        t,
        `UPDATE audit_log SET seq = seq + 100000 WHERE seq IN (10, 11);
         UPDATE audit_log SET seq = 21 - (seq - 100000) WHERE seq >= 100000;`,
      );
      expect((await verifyAuditLog(t.database)).firstBroken).toMatchObject({ seq: 10, id: ids[11] });
    });

    it('an edited entry whose own hash was recomputed still breaks the next link', async () => {
      await tamper(t, "UPDATE audit_log SET hash = sha256('forged'::bytea) WHERE seq = 42");
      expect((await verifyAuditLog(t.database)).firstBroken).toMatchObject({ seq: 42 });
    });
  });

  it('lets operators with audit:read list entries, records the reading, refuses others', async () => {
    const audit = createAuditLog(t.database);
    await audit.recordMany([event(1), event(2)]);
    const deps = {
      database: t.database,
      audit,
      kms: createLocalKms(randomBytes(32), 'test'),
      clock: () => new Date(),
    };
    const reader = { kind: 'operator' as const, id: 'op-reader', roles: ['audit:read'] };
    const listed = await listAuditEntries(deps, reader, { subjectId: event(2).subject!.id, limit: 10 });
    expect(listed.map((e) => e.subject?.id)).toEqual([event(2).subject!.id]);
    const reads = await listAuditEntries(deps, reader, { action: 'audit.entries.read', limit: 10 });
    expect(reads[0]?.actor).toEqual({ kind: 'operator', id: 'op-reader' });

    const citizen = { kind: 'citizen' as const, id: 'c-1', roles: [] };
    const denied = await listAuditEntries(deps, citizen, { limit: 10 }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(Problem);
    expect((denied as Problem).slug).toBe('forbidden');
    await expect(verifyAuditLogAs(deps, reader)).rejects.toMatchObject({ slug: 'forbidden' });
    await expect(verifyAuditLogAs(deps, systemActor('cli'))).resolves.toMatchObject({ ok: true });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('audit log with several writer processes on PostgreSQL', () => {
  it('4 processes appending 250 entries each give one dense chain that verifies', async () => {
    const t = await createTestDatabase('postgres');
    try {
      const worker = fileURLToPath(new URL('./testing/append-worker.ts', import.meta.url));
      const codes = await Promise.all(
        [0, 1, 2, 3].map(
          (n) =>
            new Promise<number | null>((resolve) => {
              const child = spawn(process.execPath, [worker, t.url!, '250', `writer-${n}`], {
                stdio: 'inherit',
              });
              child.on('close', resolve);
            }),
        ),
      );
      expect(codes).toEqual([0, 0, 0, 0]);
      const [{ n, max }] = (await t.database.query<{ n: string; max: string }>(
        'SELECT count(*) AS n, max(seq) AS max FROM audit_log',
      )) as [{ n: string; max: string }];
      expect(Number(n)).toBe(1000);
      expect(Number(max)).toBe(999);
      expect(await verifyAuditLog(t.database)).toMatchObject({ ok: true, entries: 1000 });
    } finally {
      await t.dispose();
    }
  }, 180_000);
});
