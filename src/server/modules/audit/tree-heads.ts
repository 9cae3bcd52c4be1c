import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { CompactSign, type JWK } from 'jose';
import { treeHeadType } from '../../../shared/audit/evidence.ts';
import type { TreeHead } from '../../../shared/audit/merkle.ts';

import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement, WrappedKey } from '../../platform/kms.ts';
import type { SecretColumn } from '../../platform/secrets-at-rest.ts';
import { rootAt, treeSize } from './merkle-tree.ts';

/**
 * Signed tree heads: the log commits to its size and root with an Ed25519 key whose private half
 * is wrapped by the KMS. Witnesses keep the heads; a later head that is not an extension of an
 * earlier one (a fork, a rewrite, a truncation) is then provable.
 */
export interface TreeHeadDeps {
  database: Database;
  kms: KeyManagement;
  clock: () => Date;
}

export interface LogKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

const keyContext = (kid: string) => `audit-log-key:${kid}`;

/** Where the log key's private half is stored, for the master-key rotation (docs/decisions/0018). */
export const auditLogKeySecretColumn: SecretColumn = {
  table: 'audit_log_keys',
  key: ['kid'],
  wrapped: 'private_key_wrapped',
  context: (row) => keyContext(row.kid!),
};
const keyCacheTtlMs = 30_000;
const cache = new WeakMap<Database, { key: LogKey; at: number }>();

/** The current log key, made on first use. */
export async function currentLogKey(deps: TreeHeadDeps): Promise<LogKey> {
  const now = deps.clock().getTime();
  const cached = cache.get(deps.database);
  if (cached && now - cached.at < keyCacheTtlMs) return cached.key;
  const [row] = await deps.database.query<{ kid: string; public_jwk: JWK; private_key_wrapped: WrappedKey }>(
    `SELECT kid, public_jwk, private_key_wrapped FROM audit_log_keys
      WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1`,
  );
  let key: LogKey;
  if (row) {
    const pkcs8 = await deps.kms.unwrap(row.private_key_wrapped, keyContext(row.kid));
    key = {
      kid: row.kid,
      privateKey: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
      publicJwk: row.public_jwk,
    };
  } else {
    key = await createLogKey(deps);
  }
  cache.set(deps.database, { key, at: now });
  return key;
}

export async function createLogKey(deps: TreeHeadDeps): Promise<LogKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = `log-${randomUUID()}`;
  const publicJwk: JWK = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' };
  const wrapped = await deps.kms.wrap(privateKey.export({ format: 'der', type: 'pkcs8' }), keyContext(kid));
  await deps.database.query(
    `INSERT INTO audit_log_keys (kid, public_jwk, private_key_wrapped, created_at) VALUES ($1, $2::jsonb, $3::jsonb, $4)`,
    [kid, JSON.stringify(publicJwk), JSON.stringify(wrapped), deps.clock()],
  );
  cache.delete(deps.database);
  return { kid, privateKey, publicJwk };
}

/**
 * A new log key signs the next heads; the previous ones are retired but stay published, so every
 * head they signed still verifies and a witness that pinned them accepts the new key (it refuses
 * one only when a pinned key disappears). Other nodes switch within their key cache's 30 s; a head
 * one of them signs meanwhile with a retired key is as valid.
 */
export async function rotateLogKey(deps: TreeHeadDeps): Promise<{ kid: string; retired: string[] }> {
  const key = await createLogKey(deps);
  const retired = await deps.database.query<{ kid: string }>(
    'UPDATE audit_log_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL RETURNING kid',
    [key.kid, deps.clock()],
  );
  cache.delete(deps.database);
  return { kid: key.kid, retired: retired.map((r) => r.kid) };
}

/** Every log key, retired ones included: heads signed by them stay verifiable. */
export async function logKeys(database: Database): Promise<JWK[]> {
  const rows = await database.query<{ public_jwk: JWK }>(
    'SELECT public_jwk FROM audit_log_keys ORDER BY created_at, kid',
  );
  return rows.map((r) => r.public_jwk);
}

interface HeadRow {
  tree_size: string | number;
  root_hash: Uint8Array;
  issued_at: string;
  kid: string;
  jws: string;
}

const toHead = (r: HeadRow): TreeHead => ({
  treeSize: Number(r.tree_size),
  rootHash: Buffer.from(r.root_hash).toString('hex'),
  issuedAt: r.issued_at,
  kid: r.kid,
  jws: r.jws,
});

/**
 * Signs and stores a head for the tree as it is now, unless the newest head already has this
 * size. Several nodes may publish at once: the size is the key, the first one wins, and both
 * heads would be identical anyway (same size, same root).
 */
export async function publishTreeHead(deps: TreeHeadDeps): Promise<TreeHead> {
  const latest = await latestTreeHead(deps.database);
  const size = await treeSize(deps.database);
  if (latest && latest.treeSize >= size) return latest;
  const root = await rootAt(deps.database, size);
  const key = await currentLogKey(deps);
  const issuedAt = deps.clock().toISOString();
  const payload = { treeSize: size, rootHash: root.toString('hex'), issuedAt };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: treeHeadType })
    .sign(key.privateKey);
  await deps.database.query(
    `INSERT INTO audit_tree_heads (tree_size, root_hash, issued_at, kid, jws) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tree_size) DO NOTHING`,
    [size, root, issuedAt, key.kid, jws],
  );
  const [stored] = await deps.database.query<HeadRow>('SELECT * FROM audit_tree_heads WHERE tree_size = $1', [
    size,
  ]);
  return toHead(stored!);
}

export async function latestTreeHead(database: Database): Promise<TreeHead | undefined> {
  const [row] = await database.query<HeadRow>(
    'SELECT * FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1',
  );
  return row ? toHead(row) : undefined;
}

/** The smallest published head that covers entry `seq`, if any. */
export async function treeHeadCovering(database: Database, seq: number): Promise<TreeHead | undefined> {
  const [row] = await database.query<HeadRow>(
    'SELECT * FROM audit_tree_heads WHERE tree_size > $1 ORDER BY tree_size LIMIT 1',
    [seq],
  );
  return row ? toHead(row) : undefined;
}

export async function treeHeadOfSize(database: Database, size: number): Promise<TreeHead | undefined> {
  const [row] = await database.query<HeadRow>('SELECT * FROM audit_tree_heads WHERE tree_size = $1', [size]);
  return row ? toHead(row) : undefined;
}

export async function allTreeHeads(database: Database): Promise<TreeHead[]> {
  const rows = await database.query<HeadRow>('SELECT * FROM audit_tree_heads ORDER BY tree_size');
  return rows.map(toHead);
}
