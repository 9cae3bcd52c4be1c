import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';
import { utcDay } from '../quotas.ts';

/** The daily quota of the access right, counted across all nodes (see quotas.ts). */
export const enforceQuota: Check = (exchange, deps) => {
  const quota = exchange.right?.quotaPerDay;
  const client = exchange.client?.clientId;
  if (!quota || !exchange.right || !client) return;
  const now = deps.clock();
  const day = utcDay(now);
  if (deps.quotas.used(exchange.right.id, client, day) >= quota) {
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    throw new Problem('bridge-quota-exceeded', `This access right allows ${quota} calls per day`, {
      retryAfterSeconds: Math.ceil((midnight - now.getTime()) / 1000),
    });
  }
  deps.quotas.admit(exchange.right.id, client, day);
  exchange.quotaDay = day;
};
