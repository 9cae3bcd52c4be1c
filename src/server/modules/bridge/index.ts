export { type BridgeAnswer, type BridgeCall, type BridgeClient, createBridgeClient } from './client.ts';
export type { ConsentDecision, ConsentHook, Exchange } from './exchange.ts';
export { gatewayRoutes } from './gateway.ts';
export { formatServiceId, formatSubsystemId, parseSubsystemId } from './identifiers.ts';
export { recordHash } from './message-log.ts';
export { pipeline } from './pipeline.ts';
export { bridgeRoutes } from './routes.ts';
export { type BridgeRuntime, createBridgeRuntime } from './runtime.ts';
