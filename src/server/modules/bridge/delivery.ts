import { createHash } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { Agent } from 'undici';
import type { Database } from '../../platform/db/database.ts';
import { type OutboundGuard, outboundRefusal } from '../../platform/http/outbound.ts';
import { eventsOf } from './events.ts';
import type { BridgeKey } from './signing.ts';

export interface DeliveryOptions {
  /** How often a node looks for due deliveries. */
  intervalMs?: number;
  /** Deliveries claimed per round. */
  batch?: number;
  /** First retry delay; it doubles with each failed attempt, up to an hour. */
  retryBaseMs?: number;
  /** After this many failed attempts a delivery is dead (kept, visible, not retried). */
  maxAttempts?: number;
  /** How long a webhook may take to answer. */
  timeoutMs?: number;
}

export interface DeliveryDeps {
  database: Database;
  bridgeKey: () => BridgeKey;
  clock: () => Date;
  /** Refuses webhook URLs that reach internal addresses, at every delivery and every connection. */
  webhooks: OutboundGuard;
  onError?: (err: unknown) => void;
}

export interface EventDelivery {
  /** One round: claims due deliveries, posts them, records the outcome. Returns how many were tried. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Pushes events to subscribers' webhooks, at least once. A node claims due deliveries with
 * `FOR UPDATE SKIP LOCKED` and a lease, so several nodes share the work without sending the same
 * delivery twice at the same time; a node that dies leaves leases that expire and are claimed
 * again. Each POST is signed by the bridge (RFC 9421) over the body digest and the event id,
 * which the subscriber uses to drop duplicates. The URL is checked again before each POST and
 * each new connection resolves through the guard, so it reaches only the addresses just checked;
 * redirects are not followed (a 3xx is a failed attempt). A refused URL is a failed attempt too,
 * retried like the others until `maxAttempts`.
 */
export function startEventDelivery(deps: DeliveryDeps, options: DeliveryOptions = {}): EventDelivery {
  const intervalMs = options.intervalMs ?? 500;
  const batch = options.batch ?? 50;
  const retryBaseMs = options.retryBaseMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? 12;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    connections: 16,
    connect: { lookup: deps.webhooks.lookup },
  });
  let stopped = false;
  let running: Promise<number> | undefined;

  async function deliver(d: {
    event_id: string;
    subscription_id: string;
    attempts: number;
    webhook_url: string;
  }) {
    const [event] = await eventsOf(deps.database, [d.event_id]);
    if (!event) return;
    const body = Buffer.from(JSON.stringify(event));
    const key = deps.bridgeKey();
    const signed = await httpbis.signMessage(
      {
        key: createSigner(key.privateKey, 'ed25519', key.kid),
        name: 'bridge',
        fields: ['@method', '@target-uri', 'content-digest', 'x-road-event-id', 'x-road-event-type'],
        params: ['created', 'keyid', 'alg'],
      },
      {
        method: 'POST',
        url: d.webhook_url,
        headers: {
          'content-type': 'application/json',
          'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:`,
          'x-road-event-id': event.id,
          'x-road-event-type': event.type,
          'x-road-client': event.publisher,
        },
      },
    );
    let error: string | undefined;
    try {
      const url = await deps.webhooks.check(d.webhook_url);
      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) error = `webhook answered ${res.statusCode}`;
    } catch (err) {
      const refused = outboundRefusal(err);
      error = (
        refused ? `webhook refused: ${refused.message}` : `webhook unreachable: ${(err as Error).message}`
      ).slice(0, 300);
    }
    const now = deps.clock();
    if (!error) {
      await deps.database.query(
        `UPDATE bridge_deliveries SET status = 'delivered', delivered_at = $3, leased_until = NULL, last_error = NULL
          WHERE event_id = $1 AND subscription_id = $2`,
        [d.event_id, d.subscription_id, now],
      );
      return;
    }
    const dead = d.attempts >= maxAttempts;
    const delay = Math.min(retryBaseMs * 2 ** (d.attempts - 1), 3_600_000) * (0.8 + Math.random() * 0.4);
    await deps.database.query(
      `UPDATE bridge_deliveries SET status = $3, next_attempt_at = $4, leased_until = NULL, last_error = $5
        WHERE event_id = $1 AND subscription_id = $2`,
      [d.event_id, d.subscription_id, dead ? 'dead' : 'pending', new Date(now.getTime() + delay), error],
    );
  }

  async function runOnce(): Promise<number> {
    const now = deps.clock();
    const claimed = await deps.database.query<{
      event_id: string;
      subscription_id: string;
      attempts: number;
      webhook_url: string;
    }>(
      `UPDATE bridge_deliveries d SET status = 'leased', leased_until = $1, attempts = d.attempts + 1
         FROM bridge_subscriptions s
        WHERE s.id = d.subscription_id AND (d.event_id, d.subscription_id) IN (
          SELECT d2.event_id, d2.subscription_id FROM bridge_deliveries d2
            JOIN bridge_subscriptions s2 ON s2.id = d2.subscription_id
           WHERE s2.mode = 'push' AND s2.status = 'active'
             AND ((d2.status = 'pending' AND d2.next_attempt_at <= $2) OR (d2.status = 'leased' AND d2.leased_until < $2))
           ORDER BY d2.next_attempt_at LIMIT $3 FOR UPDATE OF d2 SKIP LOCKED)
        RETURNING d.event_id, d.subscription_id, d.attempts, s.webhook_url`,
      [new Date(now.getTime() + timeoutMs * 2 + 5000), now, batch],
    );
    await Promise.all(
      claimed.map((d) =>
        deliver(d).catch((err: unknown) => {
          deps.onError?.(err);
        }),
      ),
    );
    return claimed.length;
  }

  const loop = async () => {
    while (!stopped) {
      try {
        running = runOnce();
        const n = await running;
        if (n === batch) continue;
      } catch (err) {
        deps.onError?.(err);
      }
      await new Promise((r) => setTimeout(r, intervalMs).unref());
    }
  };
  void loop();
  return {
    runOnce,
    async stop() {
      stopped = true;
      await running?.catch(() => undefined);
      await agent.close();
    },
  };
}
