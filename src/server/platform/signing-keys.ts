import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { Database } from './db/database.ts';
import type { KeyManagement, WrappedKey } from './kms.ts';
import { type SecretColumn, secretContext, unwrapStored } from './secrets-at-rest.ts';

/**
 * An Ed25519 signing key kept in a table of (kid, private_key_wrapped, public_jwk, created_at);
 * the private JWK is stored wrapped by the KMS, bound to its table and kid.
 */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

const tableName = /^[a-z_][a-z0-9_]*$/;

const privateKeyContext = (table: string, kid: string) => secretContext(table, 'private_key', kid);

/** The wrapped private keys of a signing-key table (for start-up checks and master-key rotation). */
export function signingKeySecretColumn(table: string): SecretColumn {
  if (!tableName.test(table)) throw new Error(`unsafe table name: ${table}`);
  return {
    table,
    key: ['kid'],
    wrapped: 'private_key_wrapped',
    context: (row) => privateKeyContext(table, row.kid!),
    // Before 20261129120000 the private JWK was kept in clear in private_jwk.
    clear: { column: 'private_jwk', bytes: (jwk) => Buffer.from(JSON.stringify(jwk), 'utf8') },
  };
}

/**
 * The newest key of a signing-key table; the first node that finds the table empty creates one
 * (under a table lock, so several nodes starting together make one key). Older keys stay in the
 * table, published, so what they signed still verifies.
 */
export async function loadSigningKey(
  database: Database,
  kms: KeyManagement,
  table: string,
  kidPrefix: string,
  now: Date,
): Promise<SigningKey> {
  if (!tableName.test(table)) throw new Error(`unsafe table name: ${table}`);
  const newest = async () =>
    (
      await database.query<{
        kid: string;
        private_key_wrapped: WrappedKey | null;
        public_jwk: Record<string, unknown>;
      }>(`SELECT kid, private_key_wrapped, public_jwk FROM ${table} ORDER BY created_at DESC, kid LIMIT 1`)
    )[0];
  let row = await newest();
  if (!row) {
    // Generated and wrapped before the transaction: PGlite has one connection, which it holds.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const kid = `${kidPrefix}-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    const jwk = Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' })), 'utf8');
    const wrapped = await kms.wrap(jwk, privateKeyContext(table, kid)).finally(() => jwk.fill(0));
    await database.transaction(async (session) => {
      await session.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
      if ((await session.query(`SELECT 1 FROM ${table} LIMIT 1`)).length) return;
      await session.query(
        `INSERT INTO ${table} (kid, private_key_wrapped, public_jwk, created_at) VALUES ($1, $2, $3, $4)`,
        [
          kid,
          JSON.stringify(wrapped),
          JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' }),
          now,
        ],
      );
    });
    row = await newest();
  }
  if (!row) throw new Error(`no signing key in ${table}`);
  const jwk = Buffer.from(
    await unwrapStored(kms, row.private_key_wrapped, privateKeyContext(table, row.kid)),
  );
  try {
    return {
      kid: row.kid,
      privateKey: createPrivateKey({ key: JSON.parse(jwk.toString('utf8')), format: 'jwk' }),
      publicJwk: row.public_jwk,
    };
  } finally {
    jwk.fill(0);
  }
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
