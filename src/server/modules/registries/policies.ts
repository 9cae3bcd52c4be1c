import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

/**
 * Operators with `registries:read` and system components read registries directly. Partners will
 * reach citizens' data through the Digital Bridge, under consent, never here.
 */
export const canReadRegistries = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'registries:read');

/** A citizen reads their own record, and nobody else's. */
export const canReadPerson = (actor: Actor, nin: string): boolean =>
  canReadRegistries(actor) || (actor.kind === 'citizen' && actor.nin === nin);

/** Registry changes come from system components (the bridge's backend key) with `registries:write`. */
export const canWriteRegistries = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'registries:write');
