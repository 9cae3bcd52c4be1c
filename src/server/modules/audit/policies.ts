import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

export const canReadAudit = (actor: Actor): boolean => hasRole(actor, 'audit:read');
export const canVerifyAudit = (actor: Actor): boolean => hasRole(actor, 'audit:verify');
