/**
 * The Jokko client for partners (banks, insurers, startups): sign and send Digital Bridge calls,
 * ask citizens for consent and verify consent artefacts. Import it as `jokko/client`. It runs on
 * Node.js and depends on no server code.
 */
export {
  type BridgeAnswer,
  type BridgeCall,
  type BridgeClient,
  type BridgeClientOptions,
  createBridgeClient,
  type SignedBridgeRequest,
} from './bridge.ts';
export {
  type ArtefactClaims,
  artefactHash,
  type ConsentStatus,
  type Frequency,
  verifyArtefact,
} from './consent.ts';
export {
  applyAsPartner,
  type ConsentRequest,
  type ConsentRequestInput,
  collectPartnerCredentials,
  createPartnerClient,
  decidePartnerApplication,
  JokkoProblem,
  type PartnerApplication,
  type PartnerClient,
  type PartnerClientOptions,
  type PartnerCredentials,
} from './partner.ts';
