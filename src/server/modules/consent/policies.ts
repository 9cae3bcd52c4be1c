import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

/** A partner's integration key (`consent:request`) asks citizens for consent for its own subsystems. */
export const canRequestConsent = (actor: Actor, organisationId: string): boolean =>
  actor.kind === 'partner' && hasRole(actor, 'consent:request') && actor.organisationId === organisationId;

/** A citizen decides on, and manages, only their own consents. */
export const isConsentOwner = (actor: Actor, nin: string): boolean =>
  actor.kind === 'citizen' && actor.nin === nin;

export const canAdministerConsent = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'consent:admin');
