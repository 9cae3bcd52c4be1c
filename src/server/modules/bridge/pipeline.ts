import { enforceQuota } from './checks/enforce-quota.ts';
import { enforceRateLimit } from './checks/enforce-rate-limit.ts';
import { identifyClient } from './checks/identify-client.ts';
import { matchEndpoint } from './checks/match-endpoint.ts';
import { rejectReplay } from './checks/reject-replay.ts';
import { requireAccessRight } from './checks/require-access-right.ts';
import { requireActiveMembers } from './checks/require-active-members.ts';
import { requireConsent } from './checks/require-consent.ts';
import { requireSameEnvironment } from './checks/require-same-environment.ts';
import { resolveService } from './checks/resolve-service.ts';
import { validatePath } from './checks/validate-path.ts';
import { verifySignature } from './checks/verify-signature.ts';
import type { Check, Exchange, GatewayDeps } from './exchange.ts';

/**
 * The gateway's checks, in the order they run. The caller is authenticated before it learns
 * anything about the catalogue; the first failing check answers with its problem type.
 */
export const pipeline: ReadonlyArray<readonly [name: string, check: Check]> = [
  ['identify-client', identifyClient],
  ['verify-signature', verifySignature],
  ['reject-replay', rejectReplay],
  ['resolve-service', resolveService],
  ['validate-path', validatePath],
  ['require-active-members', requireActiveMembers],
  ['require-same-environment', requireSameEnvironment],
  ['match-endpoint', matchEndpoint],
  ['require-access-right', requireAccessRight],
  ['require-consent', requireConsent],
  ['enforce-rate-limit', enforceRateLimit],
  ['enforce-quota', enforceQuota],
];

export async function runPipeline(exchange: Exchange, deps: GatewayDeps): Promise<void> {
  for (const [, check] of pipeline) await check(exchange, deps);
}
