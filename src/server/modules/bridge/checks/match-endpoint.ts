import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/** The method and path must match an endpoint of the service's OpenAPI description, and it must be enabled. */
export const matchEndpoint: Check = (exchange) => {
  const path = exchange.target?.pathname.slice(
    (exchange.service?.backendUrl.pathname.replace(/\/$/, '') ?? '').length,
  );
  const method = exchange.request.method === 'HEAD' ? 'GET' : exchange.request.method;
  const endpoint = exchange.service?.endpoints.find((e) => e.method === method && e.pattern.test(path ?? ''));
  if (!endpoint)
    throw new Problem('bridge-unknown-endpoint', `The service has no endpoint ${method} ${path}`);
  if (!endpoint.enabled)
    throw new Problem('bridge-endpoint-disabled', `${endpoint.method} ${endpoint.path} is disabled`);
  exchange.endpoint = endpoint;
};
