import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

const buckets = new Map<string, { tokens: number; at: number }>();

/**
 * The rate an access right allows, as a token bucket (burst of one second's worth) kept by each
 * gateway node: with N nodes behind a balancer the effective ceiling is N times the rate.
 */
export const enforceRateLimit: Check = (exchange, deps) => {
  const rate = exchange.right?.ratePerSecond;
  if (!rate || !exchange.right) return;
  const key = `${exchange.right.id}\u0000${exchange.client?.id}`;
  const now = deps.clock().getTime();
  const bucket = buckets.get(key) ?? { tokens: rate, at: now };
  bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
  buckets.set(key, bucket);
  if (bucket.tokens < 1) {
    throw new Problem('bridge-rate-limited', `This access right allows ${rate} calls per second`, {
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
    });
  }
  bucket.tokens -= 1;
};
