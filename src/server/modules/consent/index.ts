export { type ArtefactClaims, loadConsentKey, publishedConsentKeys, verifyArtefact } from './artefact.ts';
export { type ConsentView, createConsentView } from './consent-view.ts';
export {
  type ConsentDeps,
  changeConsent,
  consentStatus,
  decideRedirectRequest,
  decideRequest,
  describeRedirectRequest,
  getRequest,
  listConsents,
  listPendingRequests,
  type RedirectRequestView,
  remindExpiringConsents,
  requestConsent,
} from './consents.ts';
export { createConsentHook } from './enforcement.ts';
export { consentRoutes } from './routes.ts';
