export {
  type BridgeAnswer,
  type BridgeCall,
  type BridgeClient,
  createBridgeClient,
} from '../../../client/bridge.ts';
export { type AdministrationBridge, connectAdministration } from './administration.ts';
export { backendTokenSecretColumn } from './backend-tokens.ts';
export {
  addSubsystem,
  type CatalogueDeps,
  decideMembership,
  findServices,
  grantAccessRight,
  type PublicKeyInput,
  publicJwkFor,
  requestMembership,
  type ServiceSummary,
} from './catalogue.ts';
export { legalBasisOnly } from './checks/require-consent.ts';
export { type DeliveryOptions, type EventDelivery, startEventDelivery } from './delivery.ts';
export { eventRoutes } from './event-routes.ts';
export type { ConsentDecision, ConsentHook, Exchange } from './exchange.ts';
export { gatewayRoutes } from './gateway.ts';
export { formatServiceId, formatSubsystemId, parseSubsystemId } from './identifiers.ts';
export { exportMessageLog, type LogBundle, verifyLogBundle } from './log-export.ts';
export {
  type DataAccess,
  type ExchangeEvidence,
  type ExchangeRecord,
  exchangeEvidence,
  listAccessesToSubject,
  recordHash,
} from './message-log.ts';
export { pipeline } from './pipeline.ts';
export { ensureSubsystemAccess, type SubsystemAccess } from './platform-access.ts';
export { publishReferenceServices, referenceSubsystem, registerDemoBridgeClient } from './reference.ts';
export { bridgeRoutes } from './routes.ts';
export { type BridgeRuntime, createBridgeRuntime } from './runtime.ts';
export { loadBridgeKey } from './signing.ts';
