import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

/** Operators of the national agency review partner applications (`partners:admin`). */
export const canAdministerPartners = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'partners:admin');
