import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';
import { formatSubsystemId, parseSubsystemId } from '../identifiers.ts';

/** X-Road-Client names the calling subsystem; the signature check then proves it. */
export const identifyClient: Check = (exchange) => {
  const header = exchange.request.headers['x-road-client'];
  const parsed = typeof header === 'string' ? parseSubsystemId(header) : undefined;
  if (!parsed)
    throw new Problem('bridge-bad-client', 'X-Road-Client must be INSTANCE/CLASS/MEMBER/SUBSYSTEM');
  const client = exchange.snapshot.subsystemsByClient.get(formatSubsystemId(parsed));
  // An unknown client gets the same answer as a bad signature: the caller learns nothing.
  if (!client) throw new Problem('bridge-signature-invalid', 'Unknown client or key');
  exchange.client = client;
};
