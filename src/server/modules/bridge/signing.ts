import { createHash, sign } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { loadSigningKey, publishedSigningKeys, type SigningKey } from '../../platform/signing-keys.ts';

export type BridgeKey = SigningKey;

/**
 * The bridge's own Ed25519 key signs response digests and message-log records, so a client can
 * prove what it received and an auditor what was exchanged. The first node to start creates it;
 * the others read the same row. Published with the older keys at /v1/bridge/keys.
 */
export const loadBridgeKey = (database: Database, kms: KeyManagement, now: Date): Promise<BridgeKey> =>
  loadSigningKey(database, kms, 'bridge_signing_keys', 'bridge', now);

export const publishedBridgeKeys = (database: Database) =>
  publishedSigningKeys(database, 'bridge_signing_keys');

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
