import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

/** A citizen asks for their own documents, from the Jokko app (checked by the route). */
export const canHoldDocuments = (actor: Actor): boolean => actor.kind === 'citizen' && Boolean(actor.nin);

/** Operators with documents:admin revoke documents and manage issuer keys. */
export const canAdministerDocuments = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'documents:admin');
