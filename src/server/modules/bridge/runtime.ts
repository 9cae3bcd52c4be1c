import type { Registry } from 'prom-client';
import type { AppContext } from '../../context.ts';
import { createOutboundGuard, networksOfHost, type OutboundGuard } from '../../platform/http/outbound.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import type { CatalogueDeps } from './catalogue.ts';
import { legalBasisOnly } from './checks/require-consent.ts';
import type { ConsentHook, GatewayDeps } from './exchange.ts';
import { createMessageLog, type MessageLog } from './message-log.ts';
import { createNonceStore, type NonceStore } from './nonces.ts';
import { createQuotaTracker } from './quotas.ts';
import { type BridgeKey, loadBridgeKey } from './signing.ts';
import { createSnapshotHolder, type SnapshotHolder } from './snapshot.ts';

export interface BridgeRuntime {
  catalogue: CatalogueDeps;
  gateway: GatewayDeps;
  snapshot: SnapshotHolder;
  nonces: NonceStore;
  log: MessageLog;
  /** Refuses backends on internal networks, at registration, every gateway call and probe. */
  backends: OutboundGuard;
  metrics?: Registry;
  close(): Promise<void>;
}

/** Everything the bridge keeps per node: the catalogue snapshot, its key, the nonce and log writers. */
export async function createBridgeRuntime(
  ctx: AppContext,
  options: { kms: KeyManagement; consent?: ConsentHook; metrics?: Registry },
): Promise<BridgeRuntime> {
  const snapshot = await createSnapshotHolder(ctx.database, options.kms, {
    onError: (err) => ctx.logger.warn({ err }, 'bridge catalogue reload failed'),
  });
  const key: BridgeKey = await loadBridgeKey(ctx.database, options.kms, ctx.clock());
  const nonces = createNonceStore(ctx.database);
  const quotas = await createQuotaTracker(ctx.database, ctx.clock, {
    onError: (err) => ctx.logger.warn({ err }, 'bridge quota reload failed'),
  });
  const log = createMessageLog(ctx.database, ctx.audit, () => key, { batchMs: ctx.config.bridge.logBatchMs });
  const purge = setInterval(() => {
    nonces.purge(ctx.clock()).catch((err: unknown) => ctx.logger.warn({ err }, 'nonce purge failed'));
  }, 60_000);
  purge.unref();
  // The platform's own host is always reachable: the reference services live on PUBLIC_URL. A
  // verdict is kept 30 s, so a call costs no DNS query; new connections still resolve and check.
  const backends = createOutboundGuard({
    ...ctx.config.bridge.backends,
    allowedNetworks: [
      ...ctx.config.bridge.backends.allowedNetworks,
      ...(await networksOfHost(ctx.config.publicUrl)),
    ],
    cacheMs: 30_000,
  });
  const catalogue: CatalogueDeps = {
    database: ctx.database,
    audit: ctx.audit,
    snapshot,
    instance: ctx.country.code,
    clock: ctx.clock,
    bridgeKey: () => key,
    kms: options.kms,
    webhooks: createOutboundGuard(ctx.config.bridge.webhooks),
    backends,
  };
  const gateway: GatewayDeps = {
    database: ctx.database,
    snapshot: () => snapshot.current(),
    nonces,
    quotas,
    log,
    bridgeKey: () => key,
    publicUrl: ctx.config.publicUrl,
    clock: ctx.clock,
    consent: options.consent ?? legalBasisOnly,
    limits: {
      bodyBytes: ctx.config.bridge.bodyLimitBytes,
      bufferBytes: ctx.config.bridge.bufferLimitBytes,
      replayWindowSeconds: ctx.config.bridge.replayWindowSeconds,
    },
  };
  return {
    catalogue,
    gateway,
    snapshot,
    nonces,
    log,
    backends,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    async close() {
      clearInterval(purge);
      snapshot.close();
      quotas.close();
      await nonces.drain();
      await log.drain();
    },
  };
}
