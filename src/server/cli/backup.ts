import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openAsBlob,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { type Config, maskUrl } from '../config.ts';
import { createAuditLog, verifyAuditLog } from '../modules/audit/index.ts';
import { type Database, openDatabase, type SqlSession } from '../platform/db/database.ts';
import { readMigrations } from '../platform/db/migrate.ts';

/**
 * `jokko backup` and `jokko restore`: a dump of the whole database (pg_dump's custom format on
 * PostgreSQL, the data folder as tar.gz on PGlite) with a manifest beside it that records what the
 * dump holds, so that a restore can prove it brought back the same data and the same audit chain.
 */

export const manifestFormat = 'jokko-backup/1';

export interface BackupManifest {
  format: typeof manifestFormat;
  engine: Database['kind'];
  /** The dump's file name; the manifest is `<file>.manifest.json` beside it. */
  file: string;
  createdAt: string;
  bytes: number;
  sha256: string;
  /** The program that wrote the dump, e.g. "pg_dump (PostgreSQL) 15.20". */
  tool: string;
  /** The newest applied migration: a Jokko that does not know it cannot run the restored data. */
  schema: { migration: string | null; migrations: number };
  /** The last audit entry in the dump; a restore must end its verified chain on the same entry. */
  audit: { headSeq: number | null; headHash: string | null };
  tables: Record<string, number>;
}

export const manifestPathOf = (file: string) => `${file}.manifest.json`;

const out = (line = '') => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);
const cliActor = { kind: 'system', id: 'cli' } as const;

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Rows in every table of the public schema, by name. */
export async function tableRowCounts(session: SqlSession): Promise<Record<string, number>> {
  const tables = await session.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const counts: Record<string, number> = {};
  for (const { tablename } of tables) {
    const [row] = await session.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM public.${quoteIdent(tablename)}`,
    );
    counts[tablename] = Number(row?.n ?? 0);
  }
  return counts;
}

async function describeContents(
  session: SqlSession,
): Promise<Pick<BackupManifest, 'schema' | 'audit' | 'tables'>> {
  const tables = await tableRowCounts(session);
  const migrations =
    'schema_migrations' in tables
      ? await session.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')
      : [];
  const [head] =
    'audit_log' in tables
      ? await session.query<{ seq: string | number; hash: Uint8Array }>(
          'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
        )
      : [];
  return {
    schema: { migration: migrations.at(-1)?.name ?? null, migrations: migrations.length },
    audit: {
      headSeq: head ? Number(head.seq) : null,
      headHash: head ? Buffer.from(head.hash).toString('hex') : null,
    },
    tables,
  };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Writes through a temporary name and renames, so a reader never sees half a file. */
function writeFileAtomically(path: string, content: string): void {
  const tmp = `${path}.partial-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  syncFile(tmp);
  renameSync(tmp, path);
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * libpq arguments for DATABASE_URL: the URL without its password goes on the command line (which
 * `ps` shows to every local user); the password travels in PGPASSWORD.
 */
export function libpqConnection(databaseUrl: string): { dbname: string; env: Record<string, string> } {
  const url = new URL(databaseUrl);
  const env: Record<string, string> = {};
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env };
}

function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onTick?: (seconds: number) => void,
): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const started = performance.now();
    const ticker = onTick
      ? setInterval(() => onTick((performance.now() - started) / 1000), 5_000).unref()
      : undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearInterval(ticker);
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `${command} was not found: install the PostgreSQL client tools (postgresql-client) or pass --pg-bin-dir`
            : `${command} could not start: ${err.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) resolveRun();
      else reject(new Error(`${basename(command)} failed (exit ${code}):\n${stderr.trim()}`));
    });
  });
}

function toolVersion(command: string): Promise<string> {
  return new Promise((resolveVersion) => {
    const child = spawn(command, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('error', () => resolveVersion(basename(command)));
    child.on('close', () => resolveVersion(text.trim() || basename(command)));
  });
}

const pgliteVersion = (): string => {
  // The package exports no ./package.json: read it beside its entry point.
  const pkg = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite')), 'utf8'),
  ) as { version: string };
  return `@electric-sql/pglite ${pkg.version}`;
};

const pgliteDirOf = (config: Config) => resolve(config.dataDir, 'pglite');

/**
 * PGlite is one process's database: a second process opening the folder while `jokko start` runs
 * would corrupt it. PGlite writes postmaster.pid while open and removes it on a clean close.
 */
function refuseIfInUse(dir: string): void {
  if (existsSync(join(dir, 'postmaster.pid')))
    throw new Error(
      `the embedded database in ${dir} is in use (postmaster.pid exists): stop "jokko start" first. ` +
        'If no Jokko process runs (it was killed), start and stop it once to close the database cleanly.',
    );
}

function hasPgliteDatabase(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

interface DumpResult {
  tool: string;
  contents: Pick<BackupManifest, 'schema' | 'audit' | 'tables'>;
}

/**
 * pg_dump reads from a snapshot that this transaction exports, so the manifest's counts and audit
 * head describe exactly the dumped data while the platform keeps running and writing.
 */
async function dumpPostgres(
  config: Config,
  env: NodeJS.ProcessEnv,
  tmp: string,
  pgBinDir: string | undefined,
): Promise<DumpResult> {
  const databaseUrl = config.databaseUrl!;
  const pgDump = pgBinDir ? join(pgBinDir, 'pg_dump') : 'pg_dump';
  const tool = await toolVersion(pgDump);
  const database = await openDatabase({ url: databaseUrl, poolMax: 1 });
  try {
    return await database.transaction(async (session) => {
      await session.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const [{ snapshot } = { snapshot: '' }] = await session.query<{ snapshot: string }>(
        'SELECT pg_export_snapshot() AS snapshot',
      );
      const contents = await describeContents(session);
      const connection = libpqConnection(databaseUrl);
      await runTool(
        pgDump,
        [`--dbname=${connection.dbname}`, '--format=custom', `--snapshot=${snapshot}`, `--file=${tmp}`],
        { ...env, ...connection.env },
        (seconds) =>
          note(
            `  dumping... ${existsSync(tmp) ? humanBytes(statSync(tmp).size) : '0 B'} written in ${seconds.toFixed(0)} s`,
          ),
      );
      return { tool, contents };
    });
  } finally {
    await database.close();
  }
}

function pgliteSession(client: PGlite): SqlSession {
  return {
    async exec(text) {
      await client.exec(text);
    },
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query<T>(text, params)).rows;
    },
  };
}

async function dumpPglite(config: Config, tmp: string): Promise<DumpResult> {
  const dir = pgliteDirOf(config);
  if (!hasPgliteDatabase(dir)) throw new Error(`no embedded database in ${dir}`);
  refuseIfInUse(dir);
  const client = await PGlite.create(dir);
  try {
    const contents = await describeContents(pgliteSession(client));
    // With the server stopped this process is the only writer: the folder is consistent as it is.
    const tar = await client.dumpDataDir('gzip');
    await pipeline(
      Readable.fromWeb(tar.stream() as import('node:stream/web').ReadableStream),
      createWriteStream(tmp, { mode: 0o600 }),
    );
    return { tool: pgliteVersion(), contents };
  } finally {
    await client.close();
  }
}

async function withCliDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: pgliteDirOf(config),
    poolMax: 1,
  });
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** `jokko backup`. */
export async function backup(
  config: Config,
  env: NodeJS.ProcessEnv,
  opts: { out?: string; pgBinDir?: string },
): Promise<void> {
  const engine: Database['kind'] = config.databaseUrl ? 'postgres' : 'pglite';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = resolve(
    opts.out ?? `jokko-backup-${engine}-${stamp}.${engine === 'postgres' ? 'dump' : 'tar.gz'}`,
  );
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.partial-${process.pid}`;
  note(
    `Backing up ${engine === 'postgres' ? maskUrl(config.databaseUrl!) : `the embedded database in ${pgliteDirOf(config)}`} to ${file}...`,
  );
  const startedAt = new Date();
  const started = performance.now();
  let result: DumpResult;
  try {
    // A dump holds every citizen record: readable by this user only, from its first byte.
    closeSync(openSync(tmp, 'w', 0o600));
    result =
      engine === 'postgres'
        ? await dumpPostgres(config, env, tmp, opts.pgBinDir)
        : await dumpPglite(config, tmp);
    syncFile(tmp);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const manifest: BackupManifest = {
    format: manifestFormat,
    engine,
    file: basename(file),
    createdAt: startedAt.toISOString(),
    bytes: statSync(file).size,
    sha256: await sha256Of(file),
    tool: result.tool,
    ...result.contents,
  };
  writeFileAtomically(manifestPathOf(file), `${JSON.stringify(manifest, null, 2)}\n`);
  // Who copied the whole database, and which copy, belongs in the audit log like any other read.
  await withCliDatabase(config, (database) =>
    createAuditLog(database).record({
      actor: cliActor,
      action: 'platform.database.backed-up',
      subject: { kind: 'backup', id: manifest.sha256 },
      outcome: 'success',
      details: { engine, file: manifest.file, bytes: manifest.bytes, auditHeadSeq: manifest.audit.headSeq },
    }),
  );
  out(`Backup written: ${file}`);
  out(`  size     ${humanBytes(manifest.bytes)} (${manifest.bytes} bytes)`);
  out(`  duration ${seconds.toFixed(1)} s`);
  out(`  sha256   ${manifest.sha256}`);
  out(
    `  audit    head seq=${manifest.audit.headSeq ?? '(empty)'} ${manifest.audit.headHash ?? ''}`.trimEnd(),
  );
  out(`  manifest ${manifestPathOf(file)}`);
}

function readManifest(file: string): BackupManifest {
  const path = manifestPathOf(file);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  } catch (err) {
    throw new Error(
      `cannot read the manifest ${path} (${(err as Error).message}): a restore needs the manifest written beside the backup`,
    );
  }
  if (manifest.format !== manifestFormat) throw new Error(`${path} is not a ${manifestFormat} manifest`);
  return manifest;
}

/** What differs between the restored database and the manifest; empty when they match. */
async function compareWithManifest(database: Database, manifest: BackupManifest): Promise<string[]> {
  const problems: string[] = [];
  const contents = await describeContents(database);
  if (contents.schema.migration !== manifest.schema.migration)
    problems.push(
      `schema: the newest migration is ${contents.schema.migration}, the backup had ${manifest.schema.migration}`,
    );
  const names = new Set([...Object.keys(manifest.tables), ...Object.keys(contents.tables)]);
  for (const name of [...names].sort()) {
    const expected = manifest.tables[name];
    const found = contents.tables[name];
    if (expected === undefined) problems.push(`table ${name} is not in the backup (left from before?)`);
    else if (found === undefined) problems.push(`table ${name} is missing`);
    else if (expected !== found) problems.push(`table ${name} has ${found} rows, the backup had ${expected}`);
  }
  const verified = await verifyAuditLog(database);
  if (!verified.ok) {
    const b = verified.firstBroken!;
    problems.push(`audit log does NOT verify: entry seq=${b.seq} is broken: ${b.reason}`);
  }
  const expectedEntries = manifest.audit.headSeq === null ? 0 : manifest.audit.headSeq + 1;
  if (verified.entries !== expectedEntries || verified.headHash !== manifest.audit.headHash)
    problems.push(
      `audit head differs: restored ${verified.entries} entries ending ${verified.headHash ?? '(empty)'}, ` +
        `the backup ended at seq=${manifest.audit.headSeq ?? '(empty)'} ${manifest.audit.headHash ?? ''}`.trimEnd(),
    );
  return problems;
}

/** Asks on a terminal; never waits for an answer in CI or when stdin is not a person. */
async function confirmOverwrite(what: string, env: NodeJS.ProcessEnv, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || env.CI)
    throw new Error(`restore refused: ${what} is not empty; pass --yes to replace its contents`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what} is not empty. Type "restore" to replace its contents: `);
    if (answer.trim() !== 'restore') throw new Error('restore cancelled');
  } finally {
    rl.close();
  }
}

/** Refuses before any work when the target holds data (unless confirmed) or is in use. */
async function checkPostgresTarget(config: Config, env: NodeJS.ProcessEnv, yes: boolean): Promise<void> {
  const shown = maskUrl(config.databaseUrl!);
  const state = await withCliDatabase(config, async (database) => {
    const [tables] = await database.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    );
    // The nodes name their connections "jokko": replacing tables under them would fail their requests.
    const [others] = await database.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'jokko'`,
    );
    return { tables: Number(tables?.n ?? 0), otherNodes: Number(others?.n ?? 0) };
  });
  if (state.tables > 0) await confirmOverwrite(`the database ${shown}`, env, yes);
  if (state.otherNodes > 0)
    throw new Error(
      `restore refused: ${state.otherNodes} Jokko connection(s) are open on ${shown}: stop the nodes first`,
    );
}

async function checkPgliteTarget(config: Config, env: NodeJS.ProcessEnv, yes: boolean): Promise<void> {
  const dir = pgliteDirOf(config);
  if (!hasPgliteDatabase(dir)) return;
  refuseIfInUse(dir);
  await confirmOverwrite(`the embedded database in ${dir}`, env, yes);
}

function loadPostgres(
  config: Config,
  env: NodeJS.ProcessEnv,
  file: string,
  pgBinDir?: string,
): Promise<void> {
  const connection = libpqConnection(config.databaseUrl!);
  return runTool(
    pgBinDir ? join(pgBinDir, 'pg_restore') : 'pg_restore',
    [
      `--dbname=${connection.dbname}`,
      '--clean',
      '--if-exists',
      '--no-owner',
      // All or nothing: a failing restore leaves the database as it was.
      '--single-transaction',
      file,
    ],
    { ...env, ...connection.env },
    (seconds) => note(`  restoring... ${seconds.toFixed(0)} s`),
  );
}

/** Loads into a fresh folder beside the live one, which is replaced only once the copy verifies. */
async function loadPglite(config: Config, file: string): Promise<{ dir: string; restoring: string }> {
  const dir = pgliteDirOf(config);
  const restoring = `${dir}.restoring-${process.pid}`;
  rmSync(restoring, { recursive: true, force: true });
  mkdirSync(restoring, { recursive: true });
  const client = await PGlite.create(restoring, { loadDataDir: await openAsBlob(file) });
  await client.close();
  return { dir, restoring };
}

/** `jokko restore`. */
export async function restore(
  config: Config,
  env: NodeJS.ProcessEnv,
  file: string,
  opts: { yes: boolean; pgBinDir?: string },
): Promise<void> {
  const path = resolve(file);
  const manifest = readManifest(path);
  const engine: Database['kind'] = config.databaseUrl ? 'postgres' : 'pglite';
  if (manifest.engine !== engine)
    throw new Error(
      `restore refused: the backup is of the ${manifest.engine} engine and this configuration uses ${engine}`,
    );
  if (manifest.schema.migration && !readMigrations().some((m) => m.name === manifest.schema.migration))
    throw new Error(
      `restore refused: the backup has migration ${manifest.schema.migration}, which this version of Jokko does not know: restore with the newer version`,
    );
  if (engine === 'postgres') await checkPostgresTarget(config, env, opts.yes);
  else await checkPgliteTarget(config, env, opts.yes);
  const bytes = statSync(path).size;
  const sha256 = await sha256Of(path);
  if (bytes !== manifest.bytes || sha256 !== manifest.sha256)
    throw new Error(
      `restore refused: ${path} does not match its manifest (sha256 ${sha256}, ${bytes} bytes; manifest says ${manifest.sha256}, ${manifest.bytes} bytes): the file is damaged or was altered`,
    );
  note(`Backup checked: sha256 ${sha256} matches the manifest of ${manifest.createdAt}.`);
  const started = performance.now();

  let swap: { dir: string; restoring: string } | undefined;
  if (engine === 'postgres') await loadPostgres(config, env, path, opts.pgBinDir);
  else swap = await loadPglite(config, path);
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: swap?.restoring ?? pgliteDirOf(config),
    poolMax: 1,
  });
  let problems: string[];
  try {
    problems = await compareWithManifest(database, manifest);
    if (swap && problems.length > 0)
      throw new Error(
        `restore FAILED, the embedded database was left as it was; the backup does not match its manifest:\n  ${problems.join('\n  ')}`,
      );
    // Recorded after verification, so the entry follows the verified head it names.
    await createAuditLog(database).record({
      actor: cliActor,
      action: 'platform.database.restored',
      subject: { kind: 'backup', id: manifest.sha256 },
      outcome: problems.length ? 'failure' : 'success',
      details: {
        engine,
        file: basename(path),
        backupCreatedAt: manifest.createdAt,
        auditHeadSeq: manifest.audit.headSeq,
        auditHeadHash: manifest.audit.headHash,
        ...(problems.length ? { problems } : {}),
      },
    });
    await database.close();
    if (swap) {
      let kept: string | undefined;
      if (existsSync(swap.dir) && readdirSync(swap.dir).length > 0) {
        kept = `${swap.dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(swap.dir, kept);
      } else rmSync(swap.dir, { recursive: true, force: true });
      renameSync(swap.restoring, swap.dir);
      swap = undefined;
      if (kept) note(`The database that was replaced is kept in ${kept}; delete it when no longer needed.`);
    }
  } finally {
    await database.close().catch(() => {});
    // Still set: the loaded copy was not swapped in, and is dropped.
    if (swap) rmSync(swap.restoring, { recursive: true, force: true });
  }
  if (problems.length > 0)
    throw new Error(
      `restore FAILED verification: the database now holds the restored data, which does NOT match the manifest:\n  ${problems.join('\n  ')}`,
    );
  const seconds = (performance.now() - started) / 1000;
  out(`Restored ${path} in ${seconds.toFixed(1)} s.`);
  out(
    `  ${Object.keys(manifest.tables).length} tables with the row counts of the backup; schema at ${manifest.schema.migration ?? '(none)'}`,
  );
  out(
    `  audit log verifies and ends on the backup's head (seq=${manifest.audit.headSeq ?? '(empty)'}); the restore itself was recorded after it`,
  );
}
