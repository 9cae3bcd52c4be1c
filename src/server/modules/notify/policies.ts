import type { Actor } from '../../platform/actor.ts';

/** A citizen reads and changes only their own contact choices: the NIN is the actor's, never a parameter. */
export const canManageOwnContact = (actor: Actor): boolean => actor.kind === 'citizen' && !!actor.nin;
