import type { FastifyRequest } from 'fastify';
import { type Actor, type ActorKind, actorKinds, type RequestOrigin } from '../actor.ts';
import { hasRole } from '../policy.ts';
import { forbidden, unauthenticated } from './problems.ts';

/**
 * Every route declares who may reach it in its `config`; the app refuses to start with a route that
 * does not (see app.ts).
 *
 * - `public`: anyone, no credential needed (a bearer, when sent, is still resolved for handlers
 *   that serve more to a signed-in caller).
 * - `authenticated`: a bearer credential (API key or access token) of one of the `audience` kinds,
 *   holding one of `roles` when given. Anything else gets a 401 or 403 problem before the handler
 *   runs; the handler's domain function then checks the actor's rights on the resource.
 * - `signed`: the bridge gateway and events; the caller is a subsystem proving itself with RFC 9421
 *   request signatures, checked by the bridge's pipeline. Bearer credentials mean nothing there.
 * - `oidc`: endpoints of the OpenID provider and its sign-in interactions; oidc-provider
 *   authenticates clients, tokens and the interaction cookie as the protocol says.
 */
export const routeAccessKinds = ['public', 'authenticated', 'signed', 'oidc'] as const;
export type RouteAccess = (typeof routeAccessKinds)[number];

export interface RoutePolicy {
  access: RouteAccess;
  /** Which actor kinds may call an `authenticated` route; required there, refused elsewhere. */
  audience?: readonly ActorKind[];
  /** The actor must hold at least one of these roles (`*` holds them all). */
  roles?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    audience?: readonly ActorKind[];
    roles?: readonly string[];
  }
  interface FastifyRequest {
    actor: Actor | undefined;
  }
  interface FastifyInstance {
    /** Every route with its declared policy, hidden ones included (the access-control test reviews them). */
    routePolicies(): DeclaredRoute[];
  }
}

export type DeclaredRoute = RoutePolicy & { method: string | string[]; url: string };

/** What is wrong with a route's declared policy, or undefined when it is sound. */
export function policyMistake(config: Partial<RoutePolicy> | undefined): string | undefined {
  if (!config?.access) return 'no config.access';
  if (!routeAccessKinds.includes(config.access)) return `unknown access ${String(config.access)}`;
  const { audience, roles } = config;
  if (config.access !== 'authenticated') {
    return audience || roles ? `an audience or roles on a ${config.access} route` : undefined;
  }
  if (!audience?.length) return 'an authenticated route without config.audience';
  const unknown = audience.filter((kind) => !actorKinds.includes(kind));
  if (unknown.length) return `unknown actor kinds ${unknown.join(', ')}`;
  if (roles && !roles.length) return 'an empty config.roles (leave it out instead)';
  return undefined;
}

/**
 * The route's first line of defence, run before the body is read: the right kind of caller with the
 * right role, or a 403 problem. Domain policies stay the second line, on the resource itself.
 */
export function admitActor(policy: RoutePolicy, actor: Actor): void {
  if (policy.audience && !policy.audience.includes(actor.kind))
    throw forbidden(`this route is for ${policy.audience.join(', ')} callers, not ${actor.kind}`);
  if (policy.roles && !policy.roles.some((role) => hasRole(actor, role)))
    throw forbidden(`this route needs the role ${policy.roles.join(' or ')}`);
}

/** The policy as published on each OpenAPI operation (`x-jokko-access`). */
export function publishedPolicy(config: Partial<RoutePolicy>): RoutePolicy {
  return {
    access: config.access!,
    ...(config.audience ? { audience: [...config.audience] } : {}),
    ...(config.roles ? { roles: [...config.roles] } : {}),
  };
}

const operationMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Adds each route's policy to its operation as `x-jokko-access`, so clients and the access-control
 * test read who may call what from the document the server serves.
 */
export function withPublishedPolicies<D extends { paths?: Record<string, Record<string, unknown>> }>(
  document: D,
  routes: readonly DeclaredRoute[],
): D {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const url = path.replace(/\{([^}]+)\}/g, ':$1');
    for (const method of Object.keys(item).filter((m) => operationMethods.includes(m))) {
      const route = routes.find(
        (r) => r.url === url && [r.method].flat().some((m) => m.toLowerCase() === method),
      );
      if (route) (item[method] as Record<string, unknown>)['x-jokko-access'] = publishedPolicy(route);
    }
  }
  return document;
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated();
  return request.actor;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, requestId: request.id, ...(userAgent ? { userAgent } : {}) };
}
