import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { createKmsFromConfig } from '../../platform/kms.ts';
import { createTestApp, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { demoCitizens, seedDemoCountry } from '../registries/index.ts';
import { createAccount } from './accounts.ts';
import {
  assuranceOf,
  confirmTotp,
  type FactorDeps,
  finishPasskeyAuthentication,
  finishPasskeyRegistration,
  issueRecoveryCodes,
  listFactors,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  redeemRecoveryCode,
  removeFactor,
  startTotpEnrolment,
  verifyTotp,
} from './factors.ts';
import { SoftAuthenticator } from './testing/soft-authenticator.ts';

const publicUrl = 'http://localhost:3000';
const codeAt = (secret: string, at: Date) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at.getTime(),
  });

describe.each(testEngines())('second factors on %s', (kind) => {
  let t: TestApp;
  let deps: FactorDeps;
  let accountId: string;
  let nin: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 20, seed: 'factors' });
    nin = (await demoCitizens(t.db.database))[0]!.nin;
    accountId = (await createAccount(t.db.database, nin, 'Teranga-2026-jokko!')).id;
    deps = {
      database: t.db.database,
      audit: createAuditLog(t.db.database),
      publicUrl,
      kms: createKmsFromConfig(t.config.kms),
    };
  });
  afterAll(async () => t.dispose());

  it('enrols TOTP with an otpauth QR, refuses a wrong first code, and never accepts a code twice', async () => {
    const enrolment = await startTotpEnrolment(deps, accountId, nin);
    expect(enrolment.uri).toMatch(/^otpauth:\/\/totp\/Jokko:\d+\?.*secret=/);
    expect(enrolment.qrSvg).toMatch(/^<svg/);
    const now = new Date();
    expect(await confirmTotp(deps, accountId, enrolment.factorId, '000000')).toBe(
      codeAt(enrolment.secret, now) === '000000',
    );
    expect(await confirmTotp(deps, accountId, enrolment.factorId, codeAt(enrolment.secret, now))).toBe(true);
    expect((await listFactors(t.db.database, accountId)).map((f) => f.kind)).toEqual(['totp']);
    // The code that confirmed the factor cannot log in: it has been used.
    expect(await verifyTotp(deps, accountId, codeAt(enrolment.secret, now), now)).toBe(false);
    const later = new Date(now.getTime() + 60_000);
    expect(await verifyTotp(deps, accountId, codeAt(enrolment.secret, later), later)).toBe(true);
    expect(await verifyTotp(deps, accountId, codeAt(enrolment.secret, later), later)).toBe(false);
    // A code from ten minutes ago is outside the drift window.
    const muchLater = new Date(later.getTime() + 10 * 60_000);
    expect(await verifyTotp(deps, accountId, codeAt(enrolment.secret, later), muchLater)).toBe(false);
  });

  it('registers several named passkeys and verifies assertions, refusing replays and strangers', async () => {
    const phone = new SoftAuthenticator(publicUrl);
    const laptop = new SoftAuthenticator(publicUrl, { userVerification: false });
    const account = { id: accountId, nin, displayName: 'Test' };
    const first = await finishPasskeyRegistration(
      deps,
      accountId,
      'Mon téléphone',
      phone.register(await passkeyRegistrationOptions(deps, account)),
    );
    expect(first?.userVerified).toBe(true);
    const second = await finishPasskeyRegistration(
      deps,
      accountId,
      'Ordinateur',
      laptop.register(await passkeyRegistrationOptions(deps, account)),
    );
    expect(second?.userVerified).toBe(false);
    const factors = await listFactors(t.db.database, accountId);
    expect(factors.filter((f) => f.kind === 'passkey').map((f) => f.name)).toEqual([
      'Mon téléphone',
      'Ordinateur',
    ]);

    // A response to a challenge the server never issued is refused.
    const forged = phone.register({
      ...(await passkeyRegistrationOptions(deps, account)),
      challenge: 'bm90LWlzc3VlZA',
    });
    expect(await finishPasskeyRegistration(deps, accountId, 'x', forged)).toBeUndefined();

    const options = await passkeyAuthenticationOptions(deps);
    const assertion = phone.authenticate(options);
    const proof = await finishPasskeyAuthentication(deps, assertion);
    expect(proof).toMatchObject({ accountId, userVerified: true });
    expect(assuranceOf(['hwk'], proof!.userVerified)).toBe('high');
    // The same assertion again: its challenge is spent.
    expect(await finishPasskeyAuthentication(deps, assertion)).toBeUndefined();
    // A passkey without user verification is one factor: substantial with a password, never high.
    const weak = await finishPasskeyAuthentication(
      deps,
      laptop.authenticate(await passkeyAuthenticationOptions(deps, accountId)),
      accountId,
    );
    expect(weak?.userVerified).toBe(false);
    expect(assuranceOf(['pwd', 'hwk'], false)).toBe('substantial');
    // An authenticator the account never registered is refused.
    const stranger = new SoftAuthenticator(publicUrl);
    stranger.register(await passkeyRegistrationOptions(deps, account));
    expect(
      await finishPasskeyAuthentication(
        deps,
        stranger.authenticate(await passkeyAuthenticationOptions(deps)),
      ),
    ).toBeUndefined();

    expect(await removeFactor(deps, accountId, second!.factorId)).toBe('removed');
    expect((await listFactors(t.db.database, accountId)).map((f) => f.name)).not.toContain('Ordinateur');
  });

  it('keeps the last second factor and issues single-use recovery codes', async () => {
    const factors = await listFactors(t.db.database, accountId);
    for (const f of factors.slice(1)) expect(await removeFactor(deps, accountId, f.id)).toBe('removed');
    expect(await removeFactor(deps, accountId, factors[0]!.id)).toBe('last-factor');
    const codes = await issueRecoveryCodes(t.db.database, accountId);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await redeemRecoveryCode(t.db.database, accountId, codes[3]!.toLowerCase())).toBe(true);
    expect(await redeemRecoveryCode(t.db.database, accountId, codes[3]!)).toBe(false);
    expect(await redeemRecoveryCode(t.db.database, accountId, 'AAAAA-BBBBB')).toBe(false);
    const stored = await t.db.database.query<{ code_hash: Uint8Array }>(
      'SELECT code_hash FROM identity_recovery_codes',
    );
    expect(stored.some((r) => Buffer.from(r.code_hash).toString().includes(codes[0]!.slice(0, 5)))).toBe(
      false,
    );
    const audit = await t.db.database.query<{ action: string }>(
      "SELECT action FROM audit_log WHERE action LIKE 'identity.factor.%'",
    );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['identity.factor.added', 'identity.factor.removed']),
    );
  });
});
