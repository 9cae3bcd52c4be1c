import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createRateLimiter } from '../../platform/rate-limit.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { demoCitizens, seedDemoCountry } from '../registries/index.ts';
import { createAccount, maxFailuresBeforeLock } from './accounts.ts';
import { superAppClientId } from './me-routes.ts';
import { loginIpRule } from './oidc/routes.ts';
import { LoginBrowser } from './testing/login-browser.ts';
import { accessTokenFor, registerConfidentialTwin, runLogin } from './testing/relying-party.ts';

const password = 'Teranga-2026-jokko!';
const otherPassword = 'Yassa-poulet-du-dimanche';
const newPassword = 'Lac-Rose-au-lever-du-jour';
const wrongPassword = 'Pas-le-bon-mot-de-passe';

describe.each(testEngines())('identity: changing my password in the Jokko app, on %s', (kind) => {
  let t: TestApp;
  let base: string;
  const app = {
    clientId: superAppClientId,
    secret: 'password-test-secret',
    redirectUri: 'https://app.jokko.example/cb',
  };
  const bank = {
    clientId: 'password-test-bank',
    secret: 'password-test-bank',
    redirectUri: 'https://bank.example/cb',
  };
  /** Four citizens, so that each test starts from an account no other test touched. */
  let nin: { refused: string; other: string; locked: string; changes: string };
  const typed = new Set([password, otherPassword, newPassword, wrongPassword]);

  const signIn = (who: string, secret = password, browser = new LoginBrowser(), twin = app) =>
    accessTokenFor(base, twin, { nin: who, password: secret, browser });
  /** A sign-in through the identity pages that may stop on the login page: its status, or 'signed-in'. */
  const tryPassword = async (who: string, secret: string) => {
    const rp = await client.discovery(new URL(`${base}/oidc`), app.clientId, app.secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const outcome = await runLogin(rp, {
      scope: 'openid',
      redirectUri: app.redirectUri,
      nin: who,
      password: secret,
    });
    return outcome.kind === 'callback' ? 'signed-in' : { status: outcome.status, html: outcome.html };
  };
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const change = (token: string, currentPassword: string, next: string, extra: object = {}) => {
    typed.add(currentPassword).add(next);
    return call('POST', '/me/password', token, { currentPassword, newPassword: next, ...extra });
  };
  const lastAudit = async (accountId: string) => {
    const [row] = await t.db.database.query<{ outcome: string; details: Record<string, unknown> }>(
      `SELECT outcome, details FROM audit_log WHERE action = 'identity.password.changed' AND actor_id = $1
        ORDER BY seq DESC LIMIT 1`,
      [accountId],
    );
    return row;
  };
  const failedAttempts = async (who: string) =>
    (
      await t.db.database.query<{ n: number }>(
        'SELECT failed_attempts AS n FROM identity_accounts WHERE nin = $1',
        [who],
      )
    )[0]?.n;
  const accountIds = new Map<string, string>();

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 8, seed: 'password' });
    const [refused, other, locked, changes] = (await demoCitizens(t.db.database)).map((c) => c.nin);
    nin = { refused: refused!, other: other!, locked: locked!, changes: changes! };
    for (const who of Object.values(nin)) {
      const account = await createAccount(t.db.database, who, who === nin.other ? otherPassword : password);
      accountIds.set(who, account.id);
    }
    await registerConfidentialTwin(t.db.database, app);
    await registerConfidentialTwin(t.db.database, bank);
    await t.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => t.dispose());

  it('a wrong current password is refused (403), counts as a failed sign-in and is audited as denied', async () => {
    const token = await signIn(nin.refused);
    const refused = await change(token, wrongPassword, newPassword);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: problemType('forbidden'), reason: 'wrong-current-password' });
    expect(await failedAttempts(nin.refused)).toBe(1);
    expect(await lastAudit(accountIds.get(nin.refused)!)).toEqual({
      outcome: 'denied',
      details: { reason: 'invalid' },
    });
    expect(await tryPassword(nin.refused, newPassword)).toMatchObject({ status: 401 });
    expect(await tryPassword(nin.refused, password)).toBe('signed-in');
  });

  it('a new password is held to the enrolment policy, and a refusal says which rule and costs no attempt', async () => {
    const token = await signIn(nin.refused);
    const cases: Array<[string, string]> = [
      ['court-2026', 'too-short'],
      ['motdepasse123', 'common'],
      [`nin-${nin.refused}-ok`, 'contains-nin'],
      [password, 'unchanged'],
    ];
    for (const [weak, reason] of cases) {
      const res = await change(token, password, weak);
      expect(res.status, reason).toBe(422);
      expect(res.body).toMatchObject({
        type: problemType('form-invalid'),
        reason,
        errors: [{ in: 'body', pointer: '/newPassword' }],
      });
      expect(await lastAudit(accountIds.get(nin.refused)!)).toEqual({
        outcome: 'failure',
        details: { reason },
      });
    }
    // Over the schema's bound: refused before any check.
    expect((await change(token, password, 'x'.repeat(257))).body.type).toBe(problemType('validation-failed'));
    expect(await failedAttempts(nin.refused)).toBe(0);
    expect(await tryPassword(nin.refused, password)).toBe('signed-in');
  });

  it('a citizen only ever changes their own password, and only from the Jokko app', async () => {
    const other = await signIn(nin.other, otherPassword);
    // Nothing in the request can name another account: the token's account is the one changed.
    const named = await change(other, otherPassword, newPassword, { nin: nin.refused });
    expect(named.status).toBe(400);
    expect(named.body.errors).toEqual([expect.objectContaining({ pointer: '/nin' })]);
    const withTheirs = await change(other, password, newPassword);
    expect(withTheirs.status).toBe(403);
    expect(withTheirs.body.reason).toBe('wrong-current-password');
    expect(await failedAttempts(nin.refused)).toBe(0);

    const fromBank = await signIn(nin.refused, password, new LoginBrowser(), bank);
    const refused = await change(fromBank, password, newPassword);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toBe('this is done from the Jokko app only');
    expect(await tryPassword(nin.refused, password)).toBe('signed-in');
    expect(await tryPassword(nin.other, otherPassword)).toBe('signed-in');
  });

  it('wrong current passwords lock the account as at sign-in, and share the per-address limit', async () => {
    const token = await signIn(nin.locked);
    for (let i = 0; i < maxFailuresBeforeLock; i++) await change(token, wrongPassword, newPassword);
    const locked = await change(token, password, newPassword);
    expect(locked.status).toBe(403);
    expect(locked.body.reason).toBe('locked');
    const page = await tryPassword(nin.locked, password);
    expect(page).toMatchObject({ status: 401 });
    expect((page as { html: string }).html).toContain('verrouillé');

    const limiter = createRateLimiter(t.db.database);
    try {
      while ((await limiter.peek(loginIpRule, '127.0.0.1')).allowed)
        await limiter.hit(loginIpRule, '127.0.0.1');
      const limited = await change(token, password, newPassword);
      expect(limited.status).toBe(429);
      expect(limited.body.type).toBe(problemType('rate-limited'));
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await lastAudit(accountIds.get(nin.locked)!)).toEqual({
        outcome: 'denied',
        details: { reason: 'rate-limited' },
      });
    } finally {
      await limiter.reset(loginIpRule, '127.0.0.1');
    }
  });

  it('a change replaces the password and ends my other sessions, keeping this one', async () => {
    const here = new LoginBrowser();
    const tokenHere = await signIn(nin.changes, password, here);
    const tokenThere = await signIn(nin.changes, password);
    const before = (await call('GET', '/me/sessions', tokenHere)).body.items as Array<{
      id: string;
      current: boolean;
    }>;
    expect(before).toHaveLength(2);

    const changed = await change(tokenHere, password, newPassword);
    expect(changed.status).toBe(204);
    expect((await call('GET', '/me', tokenThere)).status).toBe(401);
    expect((await call('GET', '/me', tokenHere)).status).toBe(200);
    const after = (await call('GET', '/me/sessions', tokenHere)).body.items;
    expect(after).toEqual([
      expect.objectContaining({ id: before.find((s) => s.current)!.id, current: true }),
    ]);
    expect(await lastAudit(accountIds.get(nin.changes)!)).toEqual({
      outcome: 'success',
      details: { kept: after[0].id, endedSessions: 1 },
    });

    expect(await tryPassword(nin.changes, password)).toMatchObject({ status: 401 });
    expect(await tryPassword(nin.changes, newPassword)).toBe('signed-in');
    // The old password is now the wrong current one.
    expect((await change(tokenHere, password, 'Encore-un-autre-mot-2026')).status).toBe(403);
  });

  it('no password reaches the audit log or the server logs', async () => {
    const rows = await t.db.database.query<Record<string, unknown>>(
      "SELECT * FROM audit_log WHERE action LIKE 'identity.%'",
    );
    expect(rows.filter((r) => r.action === 'identity.password.changed').length).toBeGreaterThanOrEqual(10);
    const everything = JSON.stringify(rows) + t.logs.join('\n');
    expect(everything).toContain('/v1/me/password');
    for (const secret of typed) expect(everything).not.toContain(secret);
  });
});
