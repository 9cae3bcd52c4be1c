import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Database, type DatabaseKind, openDatabase, pgliteDatabase } from './database.ts';
import { migrate } from './migrate.ts';

/**
 * Test support: every engine the suite should cover. PGlite always; PostgreSQL as well when
 * DATABASE_URL is set (CI sets it), each test file getting a fresh database of its own.
 */
export function testEngines(): DatabaseKind[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  database: Database;
  /** postgres:// URL of the fresh database (PostgreSQL only), for child processes. */
  url: string | undefined;
  /** Closes the connection and drops the fresh database. */
  dispose(): Promise<void>;
}

let migratedTemplate: Promise<PGlite> | undefined;

export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  let url: string | undefined;
  let drop = async () => {};
  if (kind === 'postgres') {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('DATABASE_URL is not set: cannot create a PostgreSQL test database');
    const name = `jokko_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  let database: Database;
  if (kind === 'pglite' && options.migrate !== false) {
    // Starting PGlite and migrating costs ~3 s; cloning one migrated instance of this process ~1.5 s.
    migratedTemplate ??= (async () => {
      const template = await PGlite.create('memory://');
      await migrate(pgliteDatabase(template));
      return template;
    })();
    database = pgliteDatabase(await (await migratedTemplate).clone());
  } else {
    database = await openDatabase({ url, dataDir: 'memory://', poolMax: 10 });
    if (options.migrate !== false) await migrate(database);
  }
  return {
    database,
    url,
    async dispose() {
      await database.close();
      await drop();
    },
  };
}
