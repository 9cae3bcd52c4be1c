import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

/** Operators of the national agency run the bridge: admit, suspend, see everything. */
export const canAdministerBridge = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'bridge:admin');

/**
 * An organisation's integration key (`bridge:member`) manages that organisation's membership:
 * its subsystems, keys, services and the rights on its own services.
 */
export const canManageMember = (actor: Actor, organisationId: string): boolean =>
  canAdministerBridge(actor) ||
  (hasRole(actor, 'bridge:member') &&
    actor.organisationId !== undefined &&
    actor.organisationId === organisationId);

/** The catalogue (members, services, OpenAPI descriptions) is visible to every member and operator. */
export const canReadCatalogue = (actor: Actor): boolean =>
  canAdministerBridge(actor) || hasRole(actor, 'bridge:member') || hasRole(actor, 'bridge:read');
