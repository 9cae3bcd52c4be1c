import * as commonPasswords from '@zxcvbn-ts/language-common';
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

  it('V6.2.4: refuses the common-password dictionary and its trivial variants', () => {
    const ranked = commonPasswords.dictionary['passwords-common'];
    expect(ranked.slice(0, 100)).toContain('football');
    expect(checkPasswordPolicy('football2026', nin)).toBe('common');
    expect(checkPasswordPolicy('Password123!', nin)).toBe('common');
    expect(checkPasswordPolicy('2026Sunshine!!', nin)).toBe('common');
    expect(checkPasswordPolicy('P@ssw0rd2026!', nin)).toBe('common');
    expect(checkPasswordPolicy('123456!!!!!!', nin)).toBe('common');
    expect(checkPasswordPolicy('aaaaaaaaaaaa', nin)).toBe('common');
    expect(checkPasswordPolicy('Mango-2026-Mango', nin)).toBe('common');
    // The 3,000 most common, each padded to the minimum length: every one refused.
    const top = new Set(ranked.slice(0, 3_000));
    expect(top.size).toBe(3_000);
    const accepted = [...top].filter((entry) => checkPasswordPolicy(entry.padEnd(12, '!'), nin) !== 'common');
    expect(accepted).toEqual([]);
  });

  it('V6.2.11: refuses passwords made only of the platform and country names', () => {
    expect(checkPasswordPolicy('Jokko2026Jokko!', nin)).toBe('common');
    expect(checkPasswordPolicy('Sénégal-Dakar-2026', nin)).toBe('common');
    expect(checkPasswordPolicy('SENEGAL!!2026', nin)).toBe('common');
    expect(checkPasswordPolicy('mygov-jokko-2026', nin)).toBe('common');
    expect(checkPasswordPolicy('Azerbaycan2026!', nin)).toBe('common');
  });

  it('accepts passphrases, the NIN rule unchanged, each check well under a millisecond', () => {
    for (const passphrase of [
      'Ndox-mi-dafa-tàng-lool',
      'correct horse battery staple',
      'Jokko-x7Qm_2Lp-demo',
    ])
      expect(checkPasswordPolicy(passphrase, nin)).toBeUndefined();
    expect(checkPasswordPolicy(`Mon-NIN-est-${nin}`, nin)).toBe('contains-nin');
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) checkPasswordPolicy(`${password}-${i}`, nin);
    expect((performance.now() - started) / 1_000).toBeLessThan(1);
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
