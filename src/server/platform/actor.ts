/**
 * Who is acting. Every domain function takes an actor as its first argument and checks it against
 * its module's policies before doing anything else.
 */
export const actorKinds = ['citizen', 'agent', 'operator', 'partner', 'system'] as const;
export type ActorKind = (typeof actorKinds)[number];

export interface Actor {
  kind: ActorKind;
  /** Stable id: an account id, an API key's owner, or a system component's name (e.g. `cli`). */
  id: string;
  /** Roles granted to this actor, e.g. `registries:read`, `audit:verify`. */
  roles: readonly string[];
  /** The organisation an agent or partner acts for (organisations registry id). */
  organisationId?: string;
  /** The citizen's national identification number, for citizen actors. */
  nin?: string;
  /** The OpenID Connect client a citizen's access token was issued to (the app acting for them). */
  clientId?: string;
  /** Level of assurance of the sign-in behind a citizen's or agent's access token (low, substantial, high). */
  acr?: string;
}

/** Where an action came from, recorded in the audit log beside the actor. */
export interface RequestOrigin {
  ip?: string;
  requestId?: string;
  userAgent?: string;
}

export const systemActor = (id: string): Actor => ({ kind: 'system', id, roles: ['*'] });
