import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/**
 * /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/VERSION]/path: the sixth segment is a version
 * when the provider registered that version, otherwise the service is unversioned and the
 * segment starts the path.
 */
export const resolveService: Check = (exchange) => {
  const segments = exchange.rawPath.split('/');
  if (segments.length < 5)
    throw new Problem('bridge-unknown-service', 'The path must start with a service id');
  const base = segments.slice(0, 5).join('/');
  const versioned =
    segments.length > 5 ? exchange.snapshot.services.get(`${base}/${segments[5]}`) : undefined;
  const service = versioned ?? exchange.snapshot.services.get(base);
  if (!service) throw new Problem('bridge-unknown-service', `No service ${base}`);
  exchange.service = service;
  exchange.provider = exchange.snapshot.subsystemsById.get(service.subsystemId);
  exchange.servicePath = `/${segments.slice(versioned ? 6 : 5).join('/')}`;
};
