import type { Database } from './db/database.ts';
import { type KeyManagement, KeyUnwrapError, rewrap, type WrappedKey } from './kms.ts';

/**
 * Secrets kept in the database are stored wrapped by the KMS (docs/decisions/0018): this file
 * knows how to find them (one `SecretColumn` per wrapped column), wraps what older versions left
 * in clear, checks at start that the master key opens them, and re-wraps them after a master-key
 * rotation. Tables name their own columns; nothing here knows a module.
 */
export interface SecretColumn {
  table: string;
  /** The primary-key columns, read as text and given to `context`. */
  key: readonly string[];
  /** The jsonb column holding a `WrappedKey`. */
  wrapped: string;
  /** The KMS context of a row: names table, row and purpose, so a value copied elsewhere does not open. */
  context: (key: Record<string, string>) => string;
  /**
   * Where an older version kept the secret in clear, and how to turn its value into bytes: a column,
   * or with `field` one field of a jsonb column (the field is removed once wrapped, the rest kept).
   */
  clear?: { column: string; field?: string; bytes: (value: unknown) => Uint8Array };
}

const identifier = /^[a-z_][a-z0-9_]*$/;

/** The context of a secret whose row has one key column: `table.column:id`. */
export const secretContext = (table: string, column: string, id: string): string =>
  `${table}.${column}:${id}`;

/** Unwraps one stored secret; the error names where it is stored, never what it holds. */
export async function unwrapStored(
  kms: KeyManagement,
  wrapped: WrappedKey | null | undefined,
  context: string,
): Promise<Uint8Array> {
  if (!wrapped)
    throw new KeyUnwrapError(`${context}: the secret is not wrapped (start the platform once to wrap it)`);
  try {
    return await kms.unwrap(wrapped, context);
  } catch (err) {
    throw new KeyUnwrapError(
      `${context}: ${(err as Error).message} (is JOKKO_MASTER_KEY, or JOKKO_MASTER_KEY_PREVIOUS during a rotation, the key it was wrapped under?)`,
    );
  }
}

function checked(column: SecretColumn): SecretColumn {
  for (const name of [
    column.table,
    column.wrapped,
    ...column.key,
    ...(column.clear ? [column.clear.column] : []),
    ...(column.clear?.field ? [column.clear.field] : []),
  ])
    if (!identifier.test(name)) throw new Error(`unsafe identifier: ${name}`);
  return column;
}

const keyList = (c: SecretColumn) => c.key.map((k) => `${k}::text AS ${k}`).join(', ');
const keyMatch = (c: SecretColumn, from: number) =>
  c.key.map((k, i) => `${k}::text = $${from + i}`).join(' AND ');
const keyValues = (c: SecretColumn, row: Record<string, string>) => c.key.map((k) => row[k]);
/** The clear value as SQL, and what the clear column becomes once the value is wrapped. */
const clearValue = (clear: NonNullable<SecretColumn['clear']>) =>
  clear.field ? `${clear.column}->>'${clear.field}'` : clear.column;
const clearedValue = (clear: NonNullable<SecretColumn['clear']>) =>
  clear.field ? `${clear.column} - '${clear.field}'` : 'NULL';

/**
 * Wraps every secret an older version stored in clear, then clears the clear column: run at every
 * start, it does nothing once done. Each row is a compare-and-set, so nodes starting together
 * do not fight. Returns how many rows were wrapped per table.
 */
export async function wrapClearSecrets(
  database: Database,
  kms: KeyManagement,
  columns: readonly SecretColumn[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const column of columns.map(checked)) {
    const clear = column.clear;
    if (!clear) continue;
    const rows = await database.query<Record<string, string> & { clear_value: unknown }>(
      `SELECT ${keyList(column)}, ${clearValue(clear)} AS clear_value FROM ${column.table}
        WHERE ${clearValue(clear)} IS NOT NULL`,
    );
    for (const row of rows) {
      const plaintext = clear.bytes(row.clear_value);
      let wrapped: WrappedKey;
      try {
        wrapped = await kms.wrap(plaintext, column.context(row));
      } finally {
        plaintext.fill(0);
      }
      const n = column.key.length;
      const updated = await database.query(
        `UPDATE ${column.table} SET ${column.wrapped} = $${n + 1}, ${clear.column} = ${clearedValue(clear)}
          WHERE ${keyMatch(column, 1)} AND ${clearValue(clear)} IS NOT NULL RETURNING 1`,
        [...keyValues(column, row), JSON.stringify(wrapped)],
      );
      if (updated.length) counts[column.table] = (counts[column.table] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * Opens one secret per table and master key: a start with the wrong master key stops here, with a
 * message naming the table and the key id, instead of failing later on a citizen's sign-in.
 */
export async function checkSecretsOpen(
  database: Database,
  kms: KeyManagement,
  columns: readonly SecretColumn[],
): Promise<void> {
  for (const column of columns.map(checked)) {
    const rows = await database.query<Record<string, string> & { wrapped_value: WrappedKey }>(
      `SELECT DISTINCT ON (${column.wrapped}->>'keyId') ${keyList(column)}, ${column.wrapped} AS wrapped_value
         FROM ${column.table} WHERE ${column.wrapped} IS NOT NULL`,
    );
    for (const row of rows) {
      try {
        (await kms.unwrap(row.wrapped_value, column.context(row))).fill(0);
      } catch (err) {
        throw new KeyUnwrapError(
          `${column.table} holds secrets the configured master keys do not open (wrapped under ${row.wrapped_value.keyId}; JOKKO_MASTER_KEY is ${kms.keyId}): ${(err as Error).message}`,
        );
      }
    }
  }
}

export interface RewrapProgress {
  table: string;
  done: number;
  total: number;
}

/**
 * Moves every secret of a column to the current master key (the step of a master-key rotation).
 * Batches are re-wrapped in memory, then written in one transaction each, each row only if no one
 * changed it meanwhile; a second run finds nothing to do. Returns how many rows were re-wrapped.
 */
export async function rewrapSecretColumn(
  database: Database,
  kms: KeyManagement,
  column: SecretColumn,
  options: { batchSize?: number; onProgress?: (progress: RewrapProgress) => void } = {},
): Promise<{ rewrapped: number; total: number }> {
  checked(column);
  const batchSize = options.batchSize ?? 500;
  const [{ total } = { total: 0 }] = await database.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM ${column.table}
      WHERE ${column.wrapped} IS NOT NULL AND ${column.wrapped}->>'keyId' <> $1`,
    [kms.keyId],
  );
  let rewrapped = 0;
  let done = 0;
  // Keyset pagination over the key columns, so rows re-wrapped by the batch before are not read again.
  let after: Record<string, string> | undefined;
  for (;;) {
    const params: unknown[] = [kms.keyId, batchSize];
    const tuple = `(${column.key.map((k) => `${k}::text`).join(', ')})`;
    let where = `${column.wrapped} IS NOT NULL AND ${column.wrapped}->>'keyId' <> $1`;
    if (after) {
      where += ` AND ${tuple} > (${column.key.map((_, i) => `$${3 + i}`).join(', ')})`;
      params.push(...keyValues(column, after));
    }
    const rows = await database.query<Record<string, string> & { wrapped_value: WrappedKey }>(
      `SELECT ${keyList(column)}, ${column.wrapped} AS wrapped_value FROM ${column.table}
        WHERE ${where} ORDER BY ${tuple} LIMIT $2`,
      params,
    );
    if (!rows.length) break;
    // Crypto first, outside the transaction: PGlite's one connection is held by an open transaction.
    const updates: Array<{ row: Record<string, string>; before: WrappedKey; after: WrappedKey }> = [];
    for (const row of rows)
      updates.push({
        row,
        before: row.wrapped_value,
        after: await rewrap(kms, row.wrapped_value, column.context(row)),
      });
    const n = column.key.length;
    rewrapped += await database.transaction(async (session) => {
      let count = 0;
      for (const u of updates) {
        const result = await session.query(
          `UPDATE ${column.table} SET ${column.wrapped} = $${n + 1}
            WHERE ${keyMatch(column, 1)} AND ${column.wrapped} = $${n + 2}::jsonb RETURNING 1`,
          [...keyValues(column, u.row), JSON.stringify(u.after), JSON.stringify(u.before)],
        );
        count += result.length;
      }
      return count;
    });
    done += rows.length;
    options.onProgress?.({ table: column.table, done, total });
    after = rows[rows.length - 1];
  }
  return { rewrapped, total };
}
