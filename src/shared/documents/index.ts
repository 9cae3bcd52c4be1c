export {
  type HolderKeyPair,
  holderKeyPair,
  PresentationError,
  type PresentInput,
  presentCredential,
} from './present.ts';
export {
  findIssuerKey,
  type TrustedIssuer,
  type TrustList,
  TrustListError,
  trustListType,
  verifyTrustList,
} from './trust-list.ts';
export {
  type ClaimDefinition,
  claimDefinition,
  type DocumentType,
  type DocumentTypeDefinition,
  disclosablePaths,
  documentTypeIds,
  documentTypeOf,
  documentTypes,
  neverDisclosable,
  vctOf,
} from './types.ts';
export {
  type CredentialContext,
  type PresentationContext,
  type RejectionReason,
  type VerificationResult,
  verifyCredential,
  verifyPresentation,
} from './verify.ts';
