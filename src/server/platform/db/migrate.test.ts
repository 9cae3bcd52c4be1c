import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultMigrationsDir, MigrationError, migrate, migrationName, readMigrations } from './migrate.ts';
import { createTestDatabase, testEngines } from './testing.ts';

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jokko-migrations-'));
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

describe('migration files', () => {
  it('are named <timestamp>_<module>_<what>.sql', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    for (const m of migrations) expect(m.name).toMatch(migrationName);
  });
});

describe.each(testEngines())('migrations on %s', (kind) => {
  it('apply once, then report nothing to do', async () => {
    const t = await createTestDatabase(kind, { migrate: false });
    try {
      const first = await migrate(t.database);
      expect(first.applied.length).toBe(readMigrations().length);
      const second = await migrate(t.database);
      expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
    } finally {
      await t.dispose();
    }
  });

  it('refuse an applied migration whose file was edited', async () => {
    const t = await createTestDatabase(kind);
    try {
      const dir = copyOfMigrations();
      const [first] = readMigrations(dir);
      writeFileSync(join(dir, first!.name), `${first!.sql}\n-- edited\n`);
      await expect(migrate(t.database, dir)).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await t.dispose();
    }
  });

  it('apply a new migration and roll back all of a failing run', async () => {
    const t = await createTestDatabase(kind);
    try {
      const dir = copyOfMigrations();
      writeFileSync(
        join(dir, '29990101000000_test_widgets.sql'),
        'CREATE TABLE widgets (id int PRIMARY KEY);',
      );
      writeFileSync(
        join(dir, '29990101000001_test_broken.sql'),
        'CREATE TABLE broken (id int PRIMARY KEY); SELECT no_such_fn();',
      );
      const error = await migrate(t.database, dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(/29990101000001_test_broken\.sql" failed/);
      const tables = await t.database.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('widgets', 'broken')",
      );
      expect(tables[0]?.n).toBe(0);
    } finally {
      await t.dispose();
    }
  });

  it('refuse a database that has a migration this version does not know', async () => {
    const t = await createTestDatabase(kind);
    try {
      await t.database.query(
        "INSERT INTO schema_migrations (name, checksum) VALUES ('29990101000000_future_x.sql', 'x')",
      );
      await expect(migrate(t.database)).rejects.toThrow(/does not know/);
    } finally {
      await t.dispose();
    }
  });
});
