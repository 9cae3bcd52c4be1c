import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CountryProfile } from '../../../shared/countries/index.ts';
import { type Actor, type RequestOrigin, systemActor } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { conflict, notFound } from '../../platform/http/problems.ts';
import { authorize, hasRole } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import { getPerson } from '../registries/index.ts';
import { findAccountByNin } from './accounts.ts';

/**
 * Activation codes reach a citizen out of band: an SMS to the phone in the population register,
 * a letter to the registered address, or a slip printed by an agent at a counter for the person
 * standing in front of them (that is also how an account is recovered). Only hashes are kept.
 */

export interface ActivationDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
}

export type ActivationPurpose = 'enrol' | 'recover';
const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const maxAttempts = 5;
const validHours: Record<ActivationPurpose, number> = { enrol: 72, recover: 24 };

const normalise = (code: string) => code.toUpperCase().replace(/[\s-]/g, '');
const hashCode = (code: string) => createHash('sha256').update(normalise(code)).digest();

export const canEnrol = (actor: Actor): boolean =>
  (actor.kind === 'agent' || actor.kind === 'operator' || actor.kind === 'system') &&
  hasRole(actor, 'identity:enrol');
export const canAdministerAccounts = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'identity:admin');

export async function issueActivationCode(
  deps: ActivationDeps,
  actor: Actor,
  nin: string,
  purpose: ActivationPurpose,
  origin?: RequestOrigin,
): Promise<{ code: string; expiresAt: Date; delivery: 'sms' | 'letter' }> {
  authorize(actor, canEnrol, undefined, 'issue activation codes');
  const person = await getPerson(deps, systemActor('identity'), nin);
  if (person.deathDate) throw conflict('this person is registered as deceased');
  const account = await findAccountByNin(deps.database, person.nin);
  if (purpose === 'enrol' && account)
    throw conflict('this person already has an account: issue a recovery code');
  if (purpose === 'recover' && !account)
    throw notFound('this person has no account yet: issue an enrolment code');
  const bytes = randomBytes(8);
  const code = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  const expiresAt = new Date(Date.now() + validHours[purpose] * 3600_000);
  const delivery = person.phone ? 'sms' : 'letter';
  await deps.database.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO identity_activation_codes (nin, code_hash, expires_at, attempts, purpose, issued_by)
       VALUES ($1, $2, $3, 0, $4, $5)
       ON CONFLICT (nin) DO UPDATE SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at,
         attempts = 0, purpose = EXCLUDED.purpose, issued_by = EXCLUDED.issued_by, created_at = now()`,
      [person.nin, hashCode(code), expiresAt, purpose, `${actor.kind}:${actor.id}`],
    );
    // The outbox is the only way messages leave the platform: a delivery failure loses nothing.
    await tx.query(
      `INSERT INTO notify_outbox (id, channel, recipient, template, payload) VALUES ($1, $2, $3, $4, $5::jsonb)`,
      [
        randomUUID(),
        delivery,
        delivery === 'sms'
          ? person.phone
          : `${person.givenNames} ${person.familyName}, ${person.address.line}, ${person.address.locality}`,
        `identity.activation.${purpose}`,
        JSON.stringify({ code, expiresAt: expiresAt.toISOString(), nin: person.nin }),
      ],
    );
  });
  await deps.audit.record({
    actor,
    action: 'identity.activation-code.issued',
    subject: { kind: 'person', id: person.nin },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { purpose, delivery, expiresAt: expiresAt.toISOString() },
  });
  return { code, expiresAt, delivery };
}

export type Redemption =
  | { ok: true; purpose: ActivationPurpose }
  | { ok: false; reason: 'invalid' | 'expired' | 'exhausted' };

/** A code works once; five wrong tries burn it. An unknown NIN answers like a wrong code. */
export async function redeemActivationCode(
  database: Database,
  nin: string,
  code: string,
  now: Date,
): Promise<Redemption> {
  return database.transaction(async (tx) => {
    const [row] = await tx.query<{
      code_hash: Uint8Array;
      expires_at: Date;
      attempts: number;
      purpose: ActivationPurpose;
    }>(
      'SELECT code_hash, expires_at, attempts, purpose FROM identity_activation_codes WHERE nin = $1 FOR UPDATE',
      [nin],
    );
    const given = hashCode(code);
    if (!row) {
      timingSafeEqual(given, given);
      return { ok: false, reason: 'invalid' } as const;
    }
    if (new Date(row.expires_at) <= now) {
      await tx.query('DELETE FROM identity_activation_codes WHERE nin = $1', [nin]);
      return { ok: false, reason: 'expired' } as const;
    }
    if (!timingSafeEqual(Buffer.from(row.code_hash), given)) {
      if (row.attempts + 1 >= maxAttempts) {
        await tx.query('DELETE FROM identity_activation_codes WHERE nin = $1', [nin]);
        return { ok: false, reason: 'exhausted' } as const;
      }
      await tx.query('UPDATE identity_activation_codes SET attempts = attempts + 1 WHERE nin = $1', [nin]);
      return { ok: false, reason: 'invalid' } as const;
    }
    await tx.query('DELETE FROM identity_activation_codes WHERE nin = $1', [nin]);
    return { ok: true, purpose: row.purpose } as const;
  });
}

export interface AccountStatus {
  nin: string;
  status: 'pending' | 'active' | 'locked';
  lockedReason: string | null;
  lockedUntil: string | null;
  failedAttempts: number;
  createdAt: string;
}

export async function getAccountStatus(
  deps: ActivationDeps,
  actor: Actor,
  nin: string,
): Promise<AccountStatus> {
  authorize(actor, (a) => canAdministerAccounts(a) || canEnrol(a), undefined, 'read account status');
  const [row] = await deps.database.query<AccountStatus>(
    `SELECT nin, status, locked_reason AS "lockedReason",
            to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "lockedUntil",
            failed_attempts AS "failedAttempts",
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"
       FROM identity_accounts WHERE nin = $1`,
    [nin],
  );
  if (!row) throw notFound('no account for this NIN');
  return row;
}

async function setLock(
  deps: ActivationDeps,
  actor: Actor,
  nin: string,
  lock: { reason: string } | undefined,
  origin?: RequestOrigin,
): Promise<AccountStatus> {
  authorize(actor, canAdministerAccounts, undefined, lock ? 'lock accounts' : 'unlock accounts');
  const rows = await deps.database.query(
    lock
      ? `UPDATE identity_accounts SET status = 'locked', locked_reason = $2, updated_at = now() WHERE nin = $1 RETURNING id`
      : `UPDATE identity_accounts SET status = 'active', locked_reason = NULL, failed_attempts = 0, locked_until = NULL,
           updated_at = now() WHERE nin = $1 AND status <> 'pending' RETURNING id`,
    lock ? [nin, lock.reason] : [nin],
  );
  if (!rows.length) throw notFound('no such account to change');
  await deps.audit.record({
    actor,
    action: lock ? 'identity.account.locked' : 'identity.account.unlocked',
    subject: { kind: 'person', id: nin },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: lock ? { reason: lock.reason } : {},
  });
  return getAccountStatus(deps, actor, nin);
}

export const lockAccount = (
  deps: ActivationDeps,
  actor: Actor,
  nin: string,
  reason: string,
  origin?: RequestOrigin,
) => setLock(deps, actor, nin, { reason }, origin);
export const unlockAccount = (deps: ActivationDeps, actor: Actor, nin: string, origin?: RequestOrigin) =>
  setLock(deps, actor, nin, undefined, origin);
