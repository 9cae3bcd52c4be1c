import { mkdirSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';

/** Drizzle over either engine; modules write queries against this type only. */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export type DatabaseKind = 'pglite' | 'postgres';

/** One connection inside a transaction, for raw SQL (migrations, locks, bulk work). */
export interface SqlSession {
  exec(text: string): Promise<void>;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface Database extends SqlSession {
  readonly kind: DatabaseKind;
  readonly db: Db;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Bulk load with COPY: rows are streamed to the server in chunks, never built in memory as one
   * statement. Returns the number of rows written.
   */
  copyRows(
    table: string,
    columns: readonly string[],
    rows: AsyncIterable<unknown[]> | Iterable<unknown[]>,
  ): Promise<number>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; absent means embedded PGlite. */
  url?: string | undefined;
  /** PGlite data folder; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolMax?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.poolMax ?? 10);
  return openPglite(options.dataDir ?? './data');
}

const identifier = /^[a-z_][a-z0-9_]*$/;
function quoteIdent(name: string): string {
  if (!identifier.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

/** An array as a PostgreSQL array literal: {"a","b"}; null elements as NULL. */
function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) =>
    v === null || v === undefined ? 'NULL' : `"${String(v).replace(/["\\]/g, '\\$&')}"`,
  );
  return `{${items.join(',')}}`;
}

/**
 * PostgreSQL COPY text format: tab-separated, \N for null, backslash escapes. Arrays become
 * PostgreSQL arrays and other objects JSON (for jsonb columns).
 */
export function encodeCopyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let s: string;
  if (value instanceof Date) s = value.toISOString();
  else if (Array.isArray(value)) s = arrayLiteral(value);
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

async function* copyChunks(
  rows: AsyncIterable<unknown[]> | Iterable<unknown[]>,
  chunkBytes: number,
  counter: { rows: number },
): AsyncGenerator<string> {
  let buf: string[] = [];
  let size = 0;
  for await (const row of rows) {
    const line = `${row.map(encodeCopyValue).join('\t')}\n`;
    buf.push(line);
    size += line.length;
    counter.rows++;
    if (size >= chunkBytes) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (buf.length) yield buf.join('');
}

async function openPostgres(url: string, poolMax: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: 'jokko' });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzleNodePg({ client: pool }) as unknown as Db;
  const sessionOf = (client: pg.PoolClient | pg.Pool): SqlSession => ({
    async exec(text) {
      await client.query(text);
    },
    async query<T>(text: string, params?: unknown[]) {
      const res = await client.query(text, params as unknown[] | undefined);
      return res.rows as T[];
    },
  });
  const root = sessionOf(pool);
  return {
    kind: 'postgres',
    db,
    ...root,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(sessionOf(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async copyRows(table, columns, rows) {
      const client = await pool.connect();
      const counter = { rows: 0 };
      try {
        const sink = client.query(
          copyFromStream(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`),
        );
        await pipeline(copyChunks(rows, 1 << 20, counter), sink);
        return counter.rows;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  return pgliteDatabase(await PGlite.create(dataDir));
}

/** A Database over an open PGlite instance (tests clone a migrated one instead of migrating anew). */
export function pgliteDatabase(client: PGliteInterface): Database {
  const db = drizzlePglite({ client: client as PGlite }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async exec(text) {
      await client.exec(text);
    },
    async query<T>(text: string, params?: unknown[]) {
      const res = await client.query<T>(text, params);
      return res.rows;
    },
    async transaction(fn) {
      return client.transaction(async (tx) =>
        fn({
          async exec(text) {
            await tx.exec(text);
          },
          async query<T>(text: string, params?: unknown[]) {
            return (await tx.query<T>(text, params)).rows;
          },
        }),
      );
    },
    async copyRows(table, columns, rows) {
      // PGlite reads COPY input from an attached blob; 8 MiB chunks keep memory bounded.
      const counter = { rows: 0 };
      const statement = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob'`;
      for await (const chunk of copyChunks(rows, 8 << 20, counter)) {
        await client.query(statement, [], { blob: new Blob([chunk]) });
      }
      return counter.rows;
    },
    async close() {
      await client.close();
    },
  };
}
