import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import {
  checkPasswordPolicy,
  decoyHash,
  hashPassword,
  needsRehash,
  type PasswordProblem,
  verifyPassword,
} from './passwords.ts';

/** Lock-out grows with repeated failures: 5 failures lock for 1 minute, then doubling, up to a day. */
export const maxFailuresBeforeLock = 5;
const lockMinutes = (failures: number) =>
  Math.min(24 * 60, 2 ** Math.max(0, failures - maxFailuresBeforeLock));

export interface Account {
  id: string;
  nin: string;
  /** pending: enrolment started, no second factor yet (cannot sign in). */
  status: 'pending' | 'active' | 'locked';
}

export class PasswordRefused extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`password refused: ${reason}`);
    this.reason = reason;
  }
}

export async function createAccount(
  database: Database,
  nin: string,
  password: string,
  status: 'pending' | 'active' = 'active',
): Promise<Account> {
  const problem = checkPasswordPolicy(password, nin);
  if (problem) throw new PasswordRefused(problem);
  const id = randomUUID();
  await database.query(
    'INSERT INTO identity_accounts (id, nin, password_hash, status) VALUES ($1, $2, $3, $4)',
    [id, nin, await hashPassword(password), status],
  );
  return { id, nin, status };
}

/**
 * Recovery: a new password, every second factor and recovery code forgotten, the account pending
 * until a new factor is added.
 */
export async function resetCredentials(
  database: Database,
  account: Account,
  password: string,
): Promise<void> {
  const problem = checkPasswordPolicy(password, account.nin);
  if (problem) throw new PasswordRefused(problem);
  const hash = await hashPassword(password);
  await database.transaction(async (tx) => {
    await tx.query('DELETE FROM identity_factors WHERE account_id = $1', [account.id]);
    await tx.query('DELETE FROM identity_recovery_codes WHERE account_id = $1', [account.id]);
    await tx.query(
      `UPDATE identity_accounts SET password_hash = $2, status = 'pending', failed_attempts = 0, locked_until = NULL,
         updated_at = now() WHERE id = $1`,
      [account.id, hash],
    );
  });
}

export async function activateAccount(database: Database, accountId: string): Promise<void> {
  await database.query(
    "UPDATE identity_accounts SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'pending'",
    [accountId],
  );
}

export async function findAccount(database: Database, id: string): Promise<Account | undefined> {
  const [row] = await database.query<Account>(
    'SELECT id::text AS id, nin, status FROM identity_accounts WHERE id = $1',
    [id],
  );
  return row;
}

export async function findAccountByNin(database: Database, nin: string): Promise<Account | undefined> {
  const [row] = await database.query<Account>(
    'SELECT id::text AS id, nin, status FROM identity_accounts WHERE nin = $1',
    [nin],
  );
  return row;
}

export type PasswordCheck = { ok: true; account: Account } | { ok: false; reason: 'invalid' | 'locked' };

/**
 * One answer for an unknown NIN and a wrong password, in the same time (a decoy hash is verified
 * when there is no account), so neither the message nor the timing tells which NINs are enrolled.
 */
export async function checkPassword(
  database: Database,
  nin: string,
  password: string,
  now: Date,
): Promise<PasswordCheck> {
  const [row] = await database.query<{
    id: string;
    nin: string;
    status: Account['status'];
    password_hash: string;
    failed_attempts: number;
    locked_until: Date | null;
  }>(
    'SELECT id::text AS id, nin, status, password_hash, failed_attempts, locked_until FROM identity_accounts WHERE nin = $1',
    [nin],
  );
  if (!row || row.status === 'pending') {
    await verifyPassword(await decoyHash(), password);
    return { ok: false, reason: 'invalid' };
  }
  if (row.status === 'locked' || (row.locked_until && new Date(row.locked_until) > now)) {
    await verifyPassword(await decoyHash(), password);
    return { ok: false, reason: 'locked' };
  }
  if (!(await verifyPassword(row.password_hash, password))) {
    const failures = row.failed_attempts + 1;
    const lockedUntil =
      failures >= maxFailuresBeforeLock ? new Date(now.getTime() + lockMinutes(failures) * 60_000) : null;
    await database.query(
      'UPDATE identity_accounts SET failed_attempts = $2, locked_until = $3, updated_at = now() WHERE id = $1',
      [row.id, failures, lockedUntil],
    );
    return { ok: false, reason: lockedUntil ? 'locked' : 'invalid' };
  }
  const rehash = needsRehash(row.password_hash) ? await hashPassword(password) : row.password_hash;
  await database.query(
    'UPDATE identity_accounts SET failed_attempts = 0, locked_until = NULL, password_hash = $2, updated_at = now() WHERE id = $1',
    [row.id, rehash],
  );
  return { ok: true, account: { id: row.id, nin: row.nin, status: row.status } };
}

export type PasswordChange =
  | { ok: true }
  | { ok: false; reason: PasswordProblem | 'unchanged' | 'invalid' | 'locked' };

/**
 * The citizen changes their own password. The new one passes the enrolment policy and differs
 * from the current one before anything is verified, so an honest slip costs no attempt; the
 * current one is then checked exactly as at sign-in, a wrong one counting towards the same
 * lock-out, so a stolen session cannot be used to guess the password.
 */
export async function changePassword(
  database: Database,
  account: Pick<Account, 'id' | 'nin'>,
  currentPassword: string,
  newPassword: string,
  now: Date,
): Promise<PasswordChange> {
  const problem = checkPasswordPolicy(newPassword, account.nin);
  if (problem) return { ok: false, reason: problem };
  if (newPassword === currentPassword) return { ok: false, reason: 'unchanged' };
  const check = await checkPassword(database, account.nin, currentPassword, now);
  if (!check.ok) return check;
  if (check.account.id !== account.id) return { ok: false, reason: 'invalid' };
  await database.query('UPDATE identity_accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [
    account.id,
    await hashPassword(newPassword),
  ]);
  return { ok: true };
}
