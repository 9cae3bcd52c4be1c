import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';

export interface BridgeKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

/**
 * The bridge's own Ed25519 key signs response digests and message-log records, so a client can
 * prove what it received and an auditor what was exchanged. The first node to start creates it;
 * the others read the same row. Published with the older keys at /v1/bridge/keys.
 */
export async function loadBridgeKey(database: Database, now: Date): Promise<BridgeKey> {
  const newest = async () =>
    (
      await database.query<{
        kid: string;
        private_jwk: Record<string, unknown>;
        public_jwk: Record<string, unknown>;
      }>('SELECT kid, private_jwk, public_jwk FROM bridge_signing_keys ORDER BY created_at DESC, kid LIMIT 1')
    )[0];
  let row = await newest();
  if (!row) {
    await database.transaction(async (session) => {
      await session.query('LOCK TABLE bridge_signing_keys IN EXCLUSIVE MODE');
      const [existing] = await session.query('SELECT 1 FROM bridge_signing_keys LIMIT 1');
      if (existing) return;
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const kid = `bridge-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
      await session.query(
        'INSERT INTO bridge_signing_keys (kid, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4)',
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
  if (!row) throw new Error('no bridge signing key');
  return {
    kid: row.kid,
    privateKey: createPrivateKey({ key: row.private_jwk as never, format: 'jwk' }),
    publicJwk: row.public_jwk,
  };
}

export async function publishedBridgeKeys(database: Database): Promise<Array<Record<string, unknown>>> {
  const rows = await database.query<{ public_jwk: Record<string, unknown> }>(
    'SELECT public_jwk FROM bridge_signing_keys ORDER BY created_at DESC',
  );
  return rows.map((r) => r.public_jwk);
}

export const signWithBridgeKey = (key: BridgeKey, data: Buffer | string): string =>
  sign(null, Buffer.from(data), key.privateKey).toString('base64');

/** RFC 9530 Content-Digest value for a SHA-256 digest. */
export const contentDigestValue = (digest: Buffer): string => `sha-256=:${digest.toString('base64')}:`;

export const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();

/** The SHA-256 a Content-Digest header declares, or undefined when it has none (or it is malformed). */
export function declaredSha256(header: string | undefined): Buffer | undefined {
  if (!header) return undefined;
  const match = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):\s*(?:,|$)/.exec(header);
  if (!match?.[1]) return undefined;
  const digest = Buffer.from(match[1], 'base64');
  return digest.length === 32 ? digest : undefined;
}
