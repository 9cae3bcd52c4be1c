import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * Keys at rest: envelope encryption behind a small interface an HSM or a cloud KMS can implement
 * (see docs/decisions/0015). Each secret is encrypted under its own random data key, and only the
 * data key goes to the master key, so the master key never leaves its keeper in an HSM deployment
 * and rotating it re-encrypts 32-byte data keys, not the secrets.
 */
export interface KeyManagement {
  /** Encrypts a secret; `context` (e.g. `documents-issuer:DTTR:<kid>`) must be given again to unwrap it. */
  wrap(plaintext: Uint8Array, context: string): Promise<WrappedKey>;
  /** The secret back; refuses another context, an altered record or an unknown master key. */
  unwrap(wrapped: WrappedKey, context: string): Promise<Uint8Array>;
  /** The master key that `wrap` uses now. */
  readonly keyId: string;
}

/** What is stored (as JSON) in place of a secret. */
export interface WrappedKey {
  v: 1;
  /** The master key that encrypted the data key: unwrap picks it by this id. */
  keyId: string;
  /** The data key under the master key: AES-256-GCM, base64url of iv ‖ ciphertext ‖ tag. */
  dataKey: string;
  /** The secret under the data key: AES-256-GCM, base64url of iv ‖ ciphertext ‖ tag. */
  ciphertext: string;
}

export class KeyUnwrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyUnwrapError';
  }
}

/**
 * A 32-byte master key from configuration. Its bytes stay out of logs, JSON and `inspect`; its id
 * (an HMAC fingerprint, prefixed `dev-` for the development default) may be shown and is stored
 * with every key it wraps.
 */
export class MasterKey {
  readonly keyId: string;
  /** True for the development default, which anyone reading the source can derive. */
  readonly development: boolean;
  readonly #material: Buffer;

  constructor(material: Uint8Array, development = false) {
    if (material.length !== 32) throw new Error('a master key is 32 bytes');
    this.#material = Buffer.from(material);
    this.development = development;
    const fingerprint = createHmac('sha256', this.#material).update('jokko-kms-key-id').digest('hex');
    this.keyId = `${development ? 'dev' : 'mk'}-${fingerprint.slice(0, 16)}`;
  }

  /** A copy of the key's bytes, for a local KMS. */
  material(): Buffer {
    return Buffer.from(this.#material);
  }

  toJSON(): string {
    return `[master key ${this.keyId}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

/** The master key of development and tests: derived from a public string, so it protects nothing. */
export function developmentMasterKey(): MasterKey {
  return new MasterKey(
    createHash('sha256').update('jokko development master key: public, never for production').digest(),
    true,
  );
}

const base64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A master key written in base64 (or base64url), e.g. from `openssl rand -base64 32`. */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  // The message never repeats the value: it is a secret even when malformed.
  if (!base64.test(trimmed)) throw new Error('expected 32 bytes in base64 (openssl rand -base64 32)');
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32)
    throw new Error(`expected 32 bytes in base64 (openssl rand -base64 32), got ${bytes.length} bytes`);
  // The public development key keeps its id when written out (e.g. as the previous key of a rotation).
  return new MasterKey(bytes, bytes.equals(developmentMasterKey().material()));
}

const ivBytes = 12;
const tagBytes = 16;

function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): string {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function open(key: Uint8Array, sealed: string, aad: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < ivBytes + tagBytes) throw new KeyUnwrapError('the wrapped key is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, ivBytes));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(ivBytes, bytes.length - tagBytes)),
      decipher.final(),
    ]);
  } catch {
    throw new KeyUnwrapError('the wrapped key does not open in this context, or was altered');
  }
}

// Distinct associated data for the two layers, so neither ciphertext can stand in for the other.
const dataKeyAad = (context: string) => `jokko-kms/v1/data-key/${context}`;
const secretAad = (context: string) => `jokko-kms/v1/secret/${context}`;

/**
 * A KMS in this process, with master keys from configuration (node:crypto AES-256-GCM). `previous`
 * keys only unwrap: they let secrets wrapped before a master-key rotation open until `rewrap`
 * moves them to the current key.
 */
export function createLocalKms(
  masterKey: Buffer,
  keyId: string,
  previous: ReadonlyArray<{ masterKey: Buffer; keyId: string }> = [],
): KeyManagement {
  if (masterKey.length !== 32) throw new Error('a master key is 32 bytes');
  const keys = new Map<string, Buffer>([[keyId, Buffer.from(masterKey)]]);
  for (const p of previous) {
    if (p.masterKey.length !== 32) throw new Error('a master key is 32 bytes');
    if (!keys.has(p.keyId)) keys.set(p.keyId, Buffer.from(p.masterKey));
  }
  return {
    keyId,
    async wrap(plaintext, context) {
      const dataKey = randomBytes(32);
      try {
        return {
          v: 1,
          keyId,
          dataKey: seal(keys.get(keyId)!, dataKey, dataKeyAad(context)),
          ciphertext: seal(dataKey, plaintext, secretAad(context)),
        };
      } finally {
        dataKey.fill(0);
      }
    },
    async unwrap(wrapped, context) {
      if (wrapped?.v !== 1) throw new KeyUnwrapError('unknown wrapped-key format');
      const master = keys.get(wrapped.keyId);
      if (!master) throw new KeyUnwrapError(`no master key ${wrapped.keyId} is configured`);
      const dataKey = open(master, wrapped.dataKey, dataKeyAad(context));
      try {
        return open(dataKey, wrapped.ciphertext, secretAad(context));
      } finally {
        dataKey.fill(0);
      }
    },
  };
}

/** The KMS of the configured master keys (`config.kms`). */
export function createKmsFromConfig(keys: {
  masterKey: MasterKey;
  previousMasterKey?: MasterKey | undefined;
}) {
  const previous = keys.previousMasterKey
    ? [{ masterKey: keys.previousMasterKey.material(), keyId: keys.previousMasterKey.keyId }]
    : [];
  return createLocalKms(keys.masterKey.material(), keys.masterKey.keyId, previous);
}

/**
 * The same secret wrapped under the current master key, or `wrapped` itself when it already is:
 * the step of a master-key rotation (set the old key as previous, rewrap every row, drop it).
 */
export async function rewrap(kms: KeyManagement, wrapped: WrappedKey, context: string): Promise<WrappedKey> {
  if (wrapped.keyId === kms.keyId) return wrapped;
  const plaintext = await kms.unwrap(wrapped, context);
  try {
    return await kms.wrap(plaintext, context);
  } finally {
    plaintext.fill(0);
  }
}

/** The KMS of the development master key: what a platform started without JOKKO_MASTER_KEY uses. */
export const developmentKms = (): KeyManagement => createKmsFromConfig({ masterKey: developmentMasterKey() });
