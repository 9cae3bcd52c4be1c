import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';
import type { AuditEntry } from './entry.ts';

export const canReadAudit = (actor: Actor): boolean => hasRole(actor, 'audit:read');
export const canVerifyAudit = (actor: Actor): boolean => hasRole(actor, 'audit:verify');
export const canPublishTreeHead = (actor: Actor): boolean => hasRole(actor, 'audit:verify');

/**
 * A citizen may prove the entries about them (their person record, their account, what they did);
 * an operator who reads the log may prove any entry.
 */
export const canProveEntry = (actor: Actor, entry: AuditEntry): boolean =>
  hasRole(actor, 'audit:read') ||
  (actor.kind === 'citizen' &&
    ((entry.subject?.kind === 'person' && entry.subject.id === actor.nin) ||
      (entry.subject?.kind === 'account' && entry.subject.id === actor.id) ||
      (entry.actor.kind === 'citizen' && entry.actor.id === actor.id)));
