import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createKmsFromConfig,
  createLocalKms,
  developmentMasterKey,
  KeyUnwrapError,
  MasterKey,
  parseMasterKey,
  rewrap,
  type WrappedKey,
} from './kms.ts';

const secret = new Uint8Array(randomBytes(121));
const context = 'documents-issuer:DTTR:DTTR-2026-11-29-0a1b2c3d';

/** Flips one bit of one of the wrapped key's base64url fields. */
function tampered(wrapped: WrappedKey, field: 'dataKey' | 'ciphertext', at: number): WrappedKey {
  const bytes = Buffer.from(wrapped[field], 'base64url');
  bytes[at] = bytes[at]! ^ 1;
  return { ...wrapped, [field]: bytes.toString('base64url') };
}

describe('local KMS: envelope encryption of keys at rest', () => {
  const kms = createLocalKms(randomBytes(32), 'mk-current');

  it('unwraps what it wrapped, in the same context', async () => {
    const wrapped = await kms.wrap(secret, context);
    expect(wrapped).toMatchObject({ v: 1, keyId: 'mk-current' });
    expect(Buffer.from(await kms.unwrap(wrapped, context))).toEqual(Buffer.from(secret));
    // A fresh data key per secret: the same secret never wraps to the same record twice.
    const again = await kms.wrap(secret, context);
    expect(again.dataKey).not.toBe(wrapped.dataKey);
    expect(again.ciphertext).not.toBe(wrapped.ciphertext);
  });

  it('context-is-authenticated: a wrapped key moved to another row does not open', async () => {
    const wrapped = await kms.wrap(secret, context);
    await expect(kms.unwrap(wrapped, 'documents-issuer:MEN:DTTR-2026-11-29-0a1b2c3d')).rejects.toThrow(
      new KeyUnwrapError('the wrapped key does not open in this context, or was altered'),
    );
  });

  it('ciphertext-is-authenticated: a tampered data key or secret is refused', async () => {
    const wrapped = await kms.wrap(secret, context);
    for (const [field, at] of [
      ['dataKey', 20],
      ['ciphertext', 20],
      ['ciphertext', 0],
    ] as const) {
      await expect(kms.unwrap(tampered(wrapped, field, at), context)).rejects.toThrow(
        'the wrapped key does not open in this context, or was altered',
      );
    }
    await expect(kms.unwrap({ ...wrapped, ciphertext: 'AAAA' }, context)).rejects.toThrow(
      'the wrapped key is truncated',
    );
  });

  it('refuses a key wrapped under a master key it does not hold, naming only the key id', async () => {
    const other = createLocalKms(randomBytes(32), 'mk-other');
    const wrapped = await other.wrap(secret, context);
    await expect(kms.unwrap(wrapped, context)).rejects.toThrow(
      new KeyUnwrapError('no master key mk-other is configured'),
    );
    // Same id, different key (a misconfiguration): refused, not garbage.
    await expect(kms.unwrap({ ...wrapped, keyId: 'mk-current' }, context)).rejects.toThrow(KeyUnwrapError);
  });

  it('master-key rotation: the previous key still unwraps, and rewrap moves the secret to the current key', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = createLocalKms(oldKey, 'mk-old');
    const wrapped = await before.wrap(secret, context);

    const during = createLocalKms(newKey, 'mk-new', [{ masterKey: oldKey, keyId: 'mk-old' }]);
    expect(during.keyId).toBe('mk-new');
    expect(Buffer.from(await during.unwrap(wrapped, context))).toEqual(Buffer.from(secret));

    const moved = await rewrap(during, wrapped, context);
    expect(moved.keyId).toBe('mk-new');
    expect(await rewrap(during, moved, context)).toBe(moved);

    const after = createLocalKms(newKey, 'mk-new');
    expect(Buffer.from(await after.unwrap(moved, context))).toEqual(Buffer.from(secret));
    await expect(after.unwrap(wrapped, context)).rejects.toThrow('no master key mk-old is configured');
  });

  it('master keys never show their bytes: not in JSON, inspect or parse errors', () => {
    const bytes = randomBytes(32);
    const text = bytes.toString('base64');
    const key = parseMasterKey(text);
    expect(key.keyId).toMatch(/^mk-[0-9a-f]{16}$/);
    expect(key.material()).toEqual(bytes);
    for (const shown of [JSON.stringify({ key }), inspect({ key }), String(key.toJSON())]) {
      expect(shown).not.toContain(text);
      expect(shown).not.toContain(bytes.toString('hex'));
      expect(shown).toContain(key.keyId);
    }
    expect(parseMasterKey(bytes.toString('base64url')).keyId).toBe(key.keyId);
    const short = randomBytes(16).toString('base64');
    expect(() => parseMasterKey(short)).toThrow(
      'expected 32 bytes in base64 (openssl rand -base64 32), got 16 bytes',
    );
    expect(() => parseMasterKey('not base64!')).toThrow(/^expected 32 bytes in base64/);
    expect(() => new MasterKey(randomBytes(31))).toThrow('a master key is 32 bytes');
  });

  it('the development master key is deterministic and marked', async () => {
    const dev = developmentMasterKey();
    expect(dev.development).toBe(true);
    expect(dev.keyId).toMatch(/^dev-[0-9a-f]{16}$/);
    expect(developmentMasterKey().keyId).toBe(dev.keyId);
    // What one process wrapped under it, another opens (development data survives restarts).
    const wrapped = await createKmsFromConfig({ masterKey: dev }).wrap(secret, context);
    const other = createKmsFromConfig({ masterKey: developmentMasterKey() });
    expect(Buffer.from(await other.unwrap(wrapped, context))).toEqual(Buffer.from(secret));
  });
});
