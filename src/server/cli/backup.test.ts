import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../shared/countries/index.ts';
import { createAuditLog, verifyAuditLog } from '../modules/audit/index.ts';
import { seedDemoCountry } from '../modules/registries/index.ts';
import { type Database, type DatabaseKind, openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { testEngines } from '../platform/db/testing.ts';
import { runJokko } from '../testing/processes.ts';
import { type BackupManifest, libpqConnection, manifestPathOf, tableRowCounts } from './backup.ts';

/** The restore drill: back up as an operator would (a real process), restore elsewhere, compare. */
const _bin = fileURLToPath(new URL('../../../bin/jokko.js', import.meta.url));

const jokko = runJokko;

/** A database the CLI reaches through its environment, and the test through openDatabase. */
interface Place {
  env: Record<string, string>;
  open(): Promise<Database>;
  /** True when a restore left files or tables behind (it must not, when refused). */
  isEmpty(): Promise<boolean>;
}

const adminUrl = () => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = '/postgres';
  return u.toString();
};

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

const scratchDatabases: string[] = [];
const scratchFolders: string[] = [];
const scratchFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  scratchFolders.push(folder);
  return folder;
};

async function makePlace(kind: DatabaseKind): Promise<Place> {
  if (kind === 'pglite') {
    const dataDir = scratchFolder('jokko-backup-');
    const dir = join(dataDir, 'pglite');
    return {
      env: { JOKKO_DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir: dir }),
      isEmpty: async () => !existsSync(join(dir, 'PG_VERSION')),
    };
  }
  const name = `jokko_backup_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  scratchDatabases.push(name);
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = `/${name}`;
  const url = u.toString();
  const open = () => openDatabase({ url, poolMax: 2 });
  return {
    env: { DATABASE_URL: url },
    open,
    isEmpty: () =>
      withDatabase(open, async (database) => {
        const [row] = await database.query<{ n: string }>(
          "SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'",
        );
        return row?.n === '0';
      }),
  };
}

async function withDatabase<T>(open: () => Promise<Database>, fn: (d: Database) => Promise<T>): Promise<T> {
  const database = await open();
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

interface AuditRow {
  seq: number;
  action: string;
  hash: string;
}

const auditRows = (database: Database) =>
  database
    .query<{ seq: string; action: string; hash: string }>(
      "SELECT seq::text AS seq, action, encode(hash, 'hex') AS hash FROM audit_log ORDER BY seq",
    )
    .then((rows): AuditRow[] => rows.map((r) => ({ ...r, seq: Number(r.seq) })));

afterAll(async () => {
  for (const name of scratchDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  for (const folder of scratchFolders) rmSync(folder, { recursive: true, force: true });
});

describe('libpqConnection', () => {
  it('keeps the password off the command line and hands it over in PGPASSWORD', () => {
    const c = libpqConnection('postgres://jokko:p%40ss%20word@db.example:5433/jokko?sslmode=require');
    expect(c.dbname).toBe('postgres://jokko@db.example:5433/jokko?sslmode=require');
    expect(c.env).toEqual({ PGPASSWORD: 'p@ss word' });
    expect(libpqConnection('postgres://postgres@127.0.0.1/test').env).toEqual({});
  });
});

describe.each(testEngines())('backup and restore drill on %s', (kind) => {
  const folder = scratchFolder('jokko-backup-files-');
  const file = join(folder, kind === 'postgres' ? 'drill.dump' : 'drill.tar.gz');
  let source: Place;
  let target: Place;
  let manifest: BackupManifest;

  it('backs up a live database into a file whose manifest states its sha256, schema and audit head', async () => {
    source = await makePlace(kind);
    target = await makePlace(kind);
    await withDatabase(source.open, async (database) => {
      await migrate(database);
      await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 12, seed: 'backup' });
      await createAuditLog(database).recordMany(
        ['first', 'second', 'third'].map((n) => ({
          actor: { kind: 'system', id: 'backup-test' },
          action: `test.activity.${n}`,
          outcome: 'success' as const,
        })),
      );
    });

    const backup = await jokko(['backup', '--out', file], source.env);
    expect(backup.code, backup.stderr).toBe(0);
    manifest = JSON.parse(readFileSync(manifestPathOf(file), 'utf8')) as BackupManifest;
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(manifest.sha256).toBe(sha256);
    expect(backup.stdout).toContain(`sha256   ${sha256}`);
    expect(backup.stdout).toMatch(/size\s+\S+ \S+ \(\d+ bytes\)/);
    expect(readdirSync(folder).filter((f) => f.includes('.partial-'))).toEqual([]);
    expect(manifest.engine).toBe(kind);
    expect(manifest.schema.migration).toMatch(/^\d{14}_/);

    await withDatabase(source.open, async (database) => {
      const rows = await auditRows(database);
      // The dump ends on the last activity; the backup itself is audited after it.
      const head = rows.find((r) => r.seq === manifest.audit.headSeq);
      expect(head).toMatchObject({ action: 'test.activity.third', hash: manifest.audit.headHash });
      expect(rows.at(-1)).toMatchObject({
        seq: manifest.audit.headSeq! + 1,
        action: 'platform.database.backed-up',
      });
      // Every append also grows the audit tables beside the log (its Merkle tree): leave them out.
      const withoutAudit = (counts: Record<string, number>) =>
        Object.fromEntries(Object.entries(counts).filter(([table]) => !table.startsWith('audit_')));
      const counts = await tableRowCounts(database);
      expect(counts.audit_log).toBe(manifest.tables.audit_log! + 1);
      expect(withoutAudit(counts)).toEqual(withoutAudit(manifest.tables));
      expect(manifest.tables.people).toBeGreaterThan(0);
    });
  }, 180_000);

  it('restores into a fresh database: same rows, a verified audit chain ending on the source head, then the restore audited', async () => {
    const restored = await jokko(['restore', file], target.env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/audit log verifies and ends on the backup's head/);

    const [sourceCounts, sourceRows] = await withDatabase(
      source.open,
      async (d) => [await tableRowCounts(d), await auditRows(d)] as const,
    );
    await withDatabase(target.open, async (database) => {
      const verified = await verifyAuditLog(database);
      expect(verified.ok).toBe(true);
      const rows = await auditRows(database);
      const headSeq = manifest.audit.headSeq!;
      // Identical up to the source's head; then each side recorded its own act on the copy.
      expect(rows.slice(0, headSeq + 1)).toEqual(sourceRows.slice(0, headSeq + 1));
      expect(rows[headSeq]?.hash).toBe(manifest.audit.headHash);
      expect(rows.slice(headSeq + 1).map((r) => r.action)).toEqual(['platform.database.restored']);
      expect(await tableRowCounts(database)).toEqual(sourceCounts);
    });
  }, 180_000);

  it('refuses to replace a non-empty database without --yes, and never asks when stdin is not a terminal', async () => {
    const before = await withDatabase(target.open, auditRows);
    const refused = await jokko(['restore', file], target.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/restore refused: .* is not empty; pass --yes/);
    expect(await withDatabase(target.open, auditRows)).toEqual(before);

    const replaced = await jokko(['restore', file, '--yes'], target.env);
    expect(replaced.code, replaced.stderr).toBe(0);
    const after = await withDatabase(target.open, auditRows);
    // The earlier restore entry is gone with the data it described; a new one follows the head.
    expect(after).toHaveLength(manifest.audit.headSeq! + 2);
    expect(after.at(-1)?.action).toBe('platform.database.restored');
    expect(after.at(-1)?.hash).not.toBe(before.at(-1)?.hash);
    if (kind === 'pglite') {
      // The embedded folder that was replaced is kept aside, not deleted.
      const kept = readdirSync(target.env.JOKKO_DATA_DIR!).filter((f) =>
        f.startsWith('pglite.before-restore-'),
      );
      expect(kept).toHaveLength(1);
    }
  }, 180_000);

  it('refuses a tampered backup (sha256 mismatch) and a manifest whose audit head the data does not reach', async () => {
    const tampered = join(folder, `tampered-${kind}`);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(tampered, bytes);
    copyFileSync(manifestPathOf(file), manifestPathOf(tampered));
    const fresh = await makePlace(kind);
    const rejected = await jokko(['restore', tampered, '--yes'], fresh.env);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/does not match its manifest .*damaged or was altered/);
    expect(await fresh.isEmpty()).toBe(true);

    // An intact file with a manifest claiming another head: restored, compared, and failed loudly.
    const forged = join(folder, `forged-${kind}`);
    copyFileSync(file, forged);
    writeFileSync(
      manifestPathOf(forged),
      JSON.stringify({ ...manifest, audit: { headSeq: manifest.audit.headSeq, headHash: 'ab'.repeat(32) } }),
    );
    const mismatch = await jokko(['restore', forged, '--yes'], fresh.env);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/restore FAILED.*\n(.*\n)*\s+audit head differs/);
    if (kind === 'pglite') expect(await fresh.isEmpty()).toBe(true);
    else {
      // PostgreSQL restores in place: the data stays, and the failed check is on record.
      const rows = await withDatabase(fresh.open, auditRows);
      expect(rows.at(-1)?.action).toBe('platform.database.restored');
      const [outcome] = await withDatabase(fresh.open, (d) =>
        d.query<{ outcome: string }>('SELECT outcome FROM audit_log ORDER BY seq DESC LIMIT 1'),
      );
      expect(outcome?.outcome).toBe('failure');
    }
  }, 180_000);
});
