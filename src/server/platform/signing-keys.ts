import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { Database } from './db/database.ts';

/** An Ed25519 signing key kept in a table of (kid, private_jwk, public_jwk, created_at). */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

const tableName = /^[a-z_][a-z0-9_]*$/;

/**
 * The newest key of a signing-key table; the first node that finds the table empty creates one
 * (under a table lock, so several nodes starting together make one key). Older keys stay in the
 * table, published, so what they signed still verifies.
 */
export async function loadSigningKey(
  database: Database,
  table: string,
  kidPrefix: string,
  now: Date,
): Promise<SigningKey> {
  if (!tableName.test(table)) throw new Error(`unsafe table name: ${table}`);
  const newest = async () =>
    (
      await database.query<{
        kid: string;
        private_jwk: Record<string, unknown>;
        public_jwk: Record<string, unknown>;
      }>(`SELECT kid, private_jwk, public_jwk FROM ${table} ORDER BY created_at DESC, kid LIMIT 1`)
    )[0];
  let row = await newest();
  if (!row) {
    await database.transaction(async (session) => {
      await session.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
      if ((await session.query(`SELECT 1 FROM ${table} LIMIT 1`)).length) return;
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const kid = `${kidPrefix}-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
      await session.query(
        `INSERT INTO ${table} (kid, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4)`,
        [
          kid,
          JSON.stringify(privateKey.export({ format: 'jwk' })),
          JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' }),
          now,
        ],
      );
    });
    row = await newest();
  }
  if (!row) throw new Error(`no signing key in ${table}`);
  return {
    kid: row.kid,
    privateKey: createPrivateKey({ key: row.private_jwk as never, format: 'jwk' }),
    publicJwk: row.public_jwk,
  };
}

/** Every public key of a signing-key table, newest first (a JWKS's `keys`). */
export async function publishedSigningKeys(
  database: Database,
  table: string,
): Promise<Array<Record<string, unknown>>> {
  if (!tableName.test(table)) throw new Error(`unsafe table name: ${table}`);
  const rows = await database.query<{ public_jwk: Record<string, unknown> }>(
    `SELECT public_jwk FROM ${table} ORDER BY created_at DESC`,
  );
  return rows.map((r) => r.public_jwk);
}
