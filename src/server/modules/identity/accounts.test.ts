import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEngines } from '../../platform/db/testing.ts';
import { checkPassword, createAccount, maxFailuresBeforeLock, PasswordRefused } from './accounts.ts';
import { checkPasswordPolicy } from './passwords.ts';

const nin = '1751198501234';
const password = 'Baobab-sous-la-pluie-42';

describe('password policy', () => {
  it('refuses short, common and NIN-containing passwords, with the reason', () => {
    expect(checkPasswordPolicy('short1!', nin)).toBe('too-short');
    expect(checkPasswordPolicy('motdepasse123', nin)).toBe('common');
    expect(checkPasswordPolicy('senegal123!!', nin)).toBe('common');
    expect(checkPasswordPolicy(`moi-${nin}`, nin)).toBe('contains-nin');
    expect(checkPasswordPolicy('x'.repeat(129), nin)).toBe('too-long');
    expect(checkPasswordPolicy(password, nin)).toBeUndefined();
  });
});

describe.each(testEngines())('accounts on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase(kind);
  });
  afterEach(async () => t.dispose());

  it('stores an argon2id hash, never the password', async () => {
    await createAccount(t.database, nin, password);
    const [row] = await t.database.query<{ password_hash: string }>(
      'SELECT password_hash FROM identity_accounts',
    );
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row!.password_hash).not.toContain(password);
    await expect(createAccount(t.database, '2751198501234', 'azerty123')).rejects.toBeInstanceOf(
      PasswordRefused,
    );
  });

  it('gives the same answer for an unknown NIN and a wrong password', async () => {
    await createAccount(t.database, nin, password);
    const now = new Date();
    expect(await checkPassword(t.database, nin, 'wrong-password-here', now)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await checkPassword(t.database, '2000000000000', 'wrong-password-here', now)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await checkPassword(t.database, nin, password, now)).toMatchObject({ ok: true, account: { nin } });
  });

  it('locks the account after repeated failures, even against the right password, then unlocks in time', async () => {
    await createAccount(t.database, nin, password);
    const now = new Date('2026-11-24T10:00:00Z');
    for (let i = 1; i < maxFailuresBeforeLock; i++) {
      expect((await checkPassword(t.database, nin, `wrong-${i}-password`, now)).ok).toBe(false);
    }
    expect(await checkPassword(t.database, nin, 'the-fifth-wrong-one', now)).toEqual({
      ok: false,
      reason: 'locked',
    });
    expect(await checkPassword(t.database, nin, password, now)).toEqual({ ok: false, reason: 'locked' });
    const later = new Date(now.getTime() + 2 * 60_000);
    expect(await checkPassword(t.database, nin, password, later)).toMatchObject({ ok: true });
  });
});
