import type { Actor } from './actor.ts';
import { forbidden } from './http/problems.ts';

/**
 * A policy names one right. Modules declare theirs in `policies.ts` as plain functions of the actor
 * (and the resource when it matters) and call `authorize` on the first line of each domain function.
 */
export type Policy<R = void> = (actor: Actor, resource: R) => boolean;

export function hasRole(actor: Actor, role: string): boolean {
  return actor.roles.includes(role) || actor.roles.includes('*');
}

export function authorize<R>(actor: Actor, policy: Policy<R>, resource: R, what: string): void {
  if (!policy(actor, resource)) throw forbidden(`${actor.kind} ${actor.id} may not ${what}`);
}
