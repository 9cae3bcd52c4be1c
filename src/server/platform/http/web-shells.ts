import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { defaultContentSecurityPolicy } from './security-headers.ts';

/** The platform's page policy, widened to the hashes of a shell's inline styles (never its scripts). */
const pageCsp = (styleHashes: string[]) =>
  defaultContentSecurityPolicy.replace(
    "style-src 'self'",
    `style-src 'self'${styleHashes.map((h) => ` '${h}'`).join('')}`,
  );

interface Shell {
  identity: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  csp?: string;
}

function loadShell(path: string): Shell | undefined {
  if (!existsSync(path)) return undefined;
  const identity = readFileSync(path);
  const hashes = [...identity.toString('utf8').matchAll(/<style>([\s\S]*?)<\/style>/g)].map(
    (m) => `sha256-${createHash('sha256').update(m[1]!).digest('base64')}`,
  );
  return {
    identity,
    ...(existsSync(`${path}.br`) ? { br: readFileSync(`${path}.br`) } : {}),
    ...(existsSync(`${path}.gz`) ? { gzip: readFileSync(`${path}.gz`) } : {}),
    ...(hashes.length ? { csp: pageCsp(hashes) } : {}),
  };
}

function sendShell(request: FastifyRequest, reply: FastifyReply, shell: Shell) {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  const [encoding, body] =
    shell.br && /\bbr\b/.test(accepted)
      ? ['br', shell.br]
      : shell.gzip && /\bgzip\b/.test(accepted)
        ? ['gzip', shell.gzip]
        : [undefined, shell.identity];
  reply
    .type('text/html; charset=utf-8')
    // Never cached stale: it names the current build's assets.
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding');
  if (encoding) reply.header('content-encoding', encoding);
  if (shell.csp) reply.header('content-security-policy', shell.csp);
  return reply.send(body);
}

/**
 * The built web apps: every file as built, pre-compressed (.br, .gz written by the build) and, under
 * /assets/ (names carry a content hash), cached for a year. The super-app, the back-office and the
 * public pages route on the client, so each of their paths answers with a shell; the super-app's
 * (`app.html`) already draws the sign-in screen and carries its styles, so that a slow network shows
 * a usable first screen before the JavaScript arrives.
 */
export async function webAppRoutes(scope: FastifyInstance, opts: { webDir: string }): Promise<void> {
  const index = loadShell(`${opts.webDir}/index.html`);
  if (!index) return;
  const app = loadShell(`${opts.webDir}/app.html`) ?? index;
  await scope.register(fastifyStatic, {
    root: opts.webDir,
    wildcard: false,
    index: ['index.html'],
    preCompressed: true,
    setHeaders(reply, path) {
      if (path.includes(`${sep}assets${sep}`))
        reply.header('cache-control', 'public, max-age=31536000, immutable');
    },
  });
  for (const prefix of ['/app', '/office', '/verify', '/services']) {
    // The callback page finishes a sign-in: no sign-in button to tap meanwhile.
    const shellOf = (request: FastifyRequest) =>
      prefix === '/app' && !request.url.startsWith('/app/callback') ? app : index;
    const handler = async (request: FastifyRequest, reply: FastifyReply) =>
      sendShell(request, reply, shellOf(request));
    scope.get(prefix, { schema: { hide: true } }, handler);
    scope.get(`${prefix}/*`, { schema: { hide: true } }, handler);
  }
}
