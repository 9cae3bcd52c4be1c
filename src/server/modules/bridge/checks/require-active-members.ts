import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/** Both sides must be active members with active subsystems, and the service enabled. */
export const requireActiveMembers: Check = (exchange) => {
  if (!exchange.client?.active)
    throw new Problem('bridge-member-suspended', 'The client member or subsystem is not active');
  if (!exchange.provider?.active)
    throw new Problem('bridge-member-suspended', 'The provider member or subsystem is not active');
  if (!exchange.service?.enabled) throw new Problem('bridge-endpoint-disabled', 'The service is disabled');
};
