import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

/**
 * Forward-only SQL migrations from one ordered stream: `migrations/<timestamp>_<module>_<what>.sql`.
 * All pending migrations run in one transaction with their bookkeeping rows, so a failure leaves the
 * database as it was. An applied migration whose file later changed stops the run: history is never
 * rewritten, a new migration is added instead.
 */

export const defaultMigrationsDir = fileURLToPath(new URL('../../../../migrations/', import.meta.url));
export const migrationName = /^(\d{14})_([a-z][a-z0-9]*)_([a-z0-9_]+)\.sql$/;

export interface Migration {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function readMigrations(dir = defaultMigrationsDir): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((name) => {
    if (!migrationName.test(name)) {
      throw new MigrationError(`migration file "${name}" must be named <yyyymmddhhmmss>_<module>_<what>.sql`);
    }
    const sql = readFileSync(join(dir, name), 'utf8');
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

// Any constant shared by all nodes; only the migration runner takes this advisory lock.
const migrationLockKey = 7_214_530_001;

export async function migrate(database: Database, dir = defaultMigrationsDir): Promise<MigrationReport> {
  const migrations = readMigrations(dir);
  return database.transaction(async (session) => {
    // Two nodes starting together: the second waits here, then finds nothing left to apply.
    if (database.kind === 'postgres')
      await session.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    await session.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const rows = await session.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY name',
    );
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) {
        throw new MigrationError(`database has migration "${name}" that this version of Jokko does not know`);
      }
    }
    const report: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const m of migrations) {
      const checksum = applied.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new MigrationError(
            `migration "${m.name}" was changed after it was applied; add a new migration instead of editing it`,
          );
        }
        report.alreadyApplied++;
        continue;
      }
      const last = report.applied.at(-1) ?? [...applied.keys()].at(-1);
      if (last && m.name < last) {
        throw new MigrationError(
          `migration "${m.name}" is older than the applied "${last}"; migrations are forward-only`,
        );
      }
      try {
        await session.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration "${m.name}" failed: ${(err as Error).message}`);
      }
      await session.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        m.name,
        m.checksum,
      ]);
      report.applied.push(m.name);
    }
    return report;
  });
}
