import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

/** A signature nonce is accepted once per client inside the replay window, on every node. */
export const rejectReplay: Check = async (exchange, deps) => {
  const nonce = exchange.nonce;
  if (!nonce || !exchange.client) throw new Problem('bridge-signature-invalid', 'The signature has no nonce');
  const expiresAt = new Date(deps.clock().getTime() + (deps.limits.replayWindowSeconds + 10) * 1000);
  if (!(await deps.nonces.claim(exchange.client.clientId, nonce, expiresAt)))
    throw new Problem('bridge-replay', 'This signature nonce was already used: sign every request anew');
};
