import type { FastifyRequest } from 'fastify';

/**
 * The platform's CSP for every answer that does not set its own: same-origin resources only, no
 * plugins, no framing, no `<base>` or form target elsewhere. Sign-in pages widen `form-action` to
 * the client's redirect origins; nothing widens `script-src`.
 */
export const defaultContentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** HSTS for a year, subdomains included (ASVS 5.0 V3.4.1 at level 2). */
export const strictTransportSecurity = 'max-age=31536000; includeSubDomains';

/**
 * Headers every answer carries, API, page or problem alike: no MIME sniffing, no referrer, no
 * framing, a browsing context of its own, and HSTS whenever the client came over TLS.
 */
export function securityHeaders(https: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    ...(https ? { 'strict-transport-security': strictTransportSecurity } : {}),
  };
}

/**
 * Whether the client reached us over TLS: the public URL is https, or the request came over https
 * (a TLS-terminating proxy says so in X-Forwarded-Proto, trusted only with TRUST_PROXY).
 */
export const overHttps = (request: FastifyRequest, publicUrl: string): boolean =>
  publicUrl.startsWith('https://') || request.protocol === 'https';
