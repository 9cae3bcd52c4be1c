import type { Actor } from '../../platform/actor.ts';
import { hasRole } from '../../platform/policy.ts';

const acrRank: Record<string, number> = { low: 1, substantial: 2, high: 3 };

export const canEditProcedures = (actor: Actor): boolean =>
  (actor.kind === 'operator' || actor.kind === 'system') && hasRole(actor, 'eservices:admin');

/** A citizen applies for themself, from an app acting for them. */
export const canApply = (actor: Actor): boolean => actor.kind === 'citizen' && Boolean(actor.nin);

/** The citizen an application belongs to, and no one else, reads and changes it as applicant. */
export const isApplicant = (actor: Actor, application: { nin: string }): boolean =>
  canApply(actor) && actor.nin === application.nin;

/**
 * Agents work their own administration's applications, signed in at `substantial` at least (a
 * password alone does not open the back-office).
 */
export const canWorkQueue = (actor: Actor): boolean =>
  actor.kind === 'agent' &&
  Boolean(actor.organisationId) &&
  (acrRank[actor.acr ?? 'low'] ?? 0) >= acrRank.substantial! &&
  (hasRole(actor, 'eservices:instructor') || hasRole(actor, 'eservices:decider'));

/** An agent, with the identifier of the administration it works for (e.g. MJ-CJ). */
export interface Agent {
  actor: Actor;
  organisation: string;
}

export const worksFor = (agent: Agent, application: { owner: string }): boolean =>
  canWorkQueue(agent.actor) && agent.organisation === application.owner;

/** A step names the role that acts on it: an instructor prepares, a decider decides. */
export const mayActOnStep = (actor: Actor, role: string): boolean => hasRole(actor, `eservices:${role}`);

/** Service performance is public: anyone may read it. */
export const canReadPerformance = (_actor: Actor | undefined): boolean => true;
