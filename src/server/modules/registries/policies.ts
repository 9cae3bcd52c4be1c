import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

/**
 * Operators with `registries:read` and system components read registries directly. Citizens and
 * partners will reach their own data through the Digital Bridge, under consent, never here.
 */
export const canReadRegistries = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'registries:read');
