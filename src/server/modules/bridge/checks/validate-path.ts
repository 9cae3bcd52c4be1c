import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

// Encoded separators, dots and NUL let a path mean one thing to the bridge and another to the
// backend; they are refused rather than normalised.
const forbiddenEncodings = /%(2f|5c|2e|00)/i;
const hasBadCharacter = (s: string) =>
  [...s].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c === '\u007f');

/**
 * The path inside the service must be plain: no dot segments, no empty segments, no encoded
 * separators, no repeated query parameters. The target is the backend URL plus that path, and it
 * must stay on the backend's origin and under its base path (no SSRF to other hosts).
 */
export const validatePath: Check = (exchange) => {
  const path = exchange.servicePath ?? '/';
  const service = exchange.service;
  if (!service) throw new Problem('bridge-unknown-service');
  const segments = path.split('/').slice(1);
  if (
    forbiddenEncodings.test(path) ||
    hasBadCharacter(path) ||
    segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1))
  )
    throw new Problem(
      'bridge-invalid-path',
      'The path has dot segments, empty segments or encoded separators',
    );
  const query = exchange.rawQuery;
  if (query) {
    if (hasBadCharacter(query)) throw new Problem('bridge-invalid-path', 'The query has control characters');
    const names = new Set<string>();
    for (const [name] of new URLSearchParams(query)) {
      if (names.has(name))
        throw new Problem('bridge-invalid-path', `The query parameter ${name} is repeated`);
      names.add(name);
    }
  }
  const base = service.backendUrl;
  const basePath = base.pathname.replace(/\/$/, '');
  const target = new URL(`${base.origin}${basePath}${path}${query ? `?${query}` : ''}`);
  if (target.origin !== base.origin || !target.pathname.startsWith(`${basePath}/`))
    throw new Problem('bridge-invalid-path', 'The path leaves the service');
  exchange.target = target;
};
