import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/** Deny by default: a right on the service or on this endpoint, held by the client subsystem or one of its groups. */
export const requireAccessRight: Check = (exchange) => {
  const client = exchange.client;
  const rights = exchange.service ? (exchange.snapshot.rightsByService.get(exchange.service.id) ?? []) : [];
  const right = rights.find(
    (r) =>
      (r.endpointId === null || r.endpointId === exchange.endpoint?.id) &&
      ((r.subsystemId !== null && r.subsystemId === client?.id) ||
        (r.groupId !== null && client?.groupIds.has(r.groupId) === true)),
  );
  if (!right)
    throw new Problem(
      'bridge-access-denied',
      `${client?.clientId} may not call ${exchange.service?.serviceId}`,
    );
  exchange.right = right;
};
