import type { FastifyRequest } from 'fastify';
import type { Actor, RequestOrigin } from '../actor.ts';
import { unauthenticated } from './problems.ts';

/**
 * Every route declares who may reach it in `config.access`; the app refuses to start with a route
 * that does not (see app.ts). `authenticated` routes get a 401 problem before the handler runs when
 * no valid credential is presented; the handler's domain function then checks the actor's rights.
 */
export type RouteAccess = 'public' | 'authenticated';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    actor: Actor | undefined;
  }
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthenticated();
  return request.actor;
}

export function originOf(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, requestId: request.id, ...(userAgent ? { userAgent } : {}) };
}
