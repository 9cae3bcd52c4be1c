import { getDemoData } from '../../../shared/countries/demo-data/index.ts';
import type { CountryProfile } from '../../../shared/countries/index.ts';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { loadSigningKey } from '../../platform/signing-keys.ts';
import type { AuditLog } from '../audit/index.ts';
import { onRequest } from './claims.ts';
import type { DocumentsDeps } from './wallet.ts';

export { issueCredential, signStatusList } from './credential.ts';
export {
  type DocumentKeysDeps,
  documentKeySecretColumns,
  issuerKey,
  retireIssuerKey,
  rotateIssuerKey,
} from './issuers.ts';
export { reconcileDocuments } from './reconcile.ts';
export { documentsRoutes } from './routes.ts';
export { documentsTrustRoutes, signTrustList, trustAnchorKeys } from './trust-list.ts';
export { type DocumentsDeps, issueDocument, revokeDocumentsOfRecord, statusListToken } from './wallet.ts';

/**
 * Which administration issues which documents: the owner of the registry a document is made from
 * (the country profile's registry owners), plus the documents e-services issue.
 */
export function issuerDocumentTypes(country: CountryProfile): Record<string, string[]> {
  const owners = getDemoData(country.code).registryOwners as Record<string, string>;
  const types: Record<string, string[]> = {};
  for (const [type, { registry }] of Object.entries(onRequest)) {
    const owner = owners[registry];
    if (owner) types[owner] = [...(types[owner] ?? []), type];
  }
  return types;
}

/** Two issuer → document types maps in one (registry documents and e-service outputs). */
export function mergeIssuers(...maps: Array<Record<string, string[]>>): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const map of maps)
    for (const [issuer, types] of Object.entries(map))
      merged[issuer] = [...new Set([...(merged[issuer] ?? []), ...types])];
  return merged;
}

/** What documents need, from the platform's parts; the bridge key loads on first use. */
export function createDocumentsDeps(input: {
  database: Database;
  audit: AuditLog;
  clock: () => Date;
  kms: KeyManagement;
  country: CountryProfile;
  publicUrl: string;
}): DocumentsDeps {
  let bridgeKey: ReturnType<typeof loadSigningKey> | undefined;
  return {
    ...input,
    bridgeUrl: input.publicUrl,
    bridgeKey: () => {
      bridgeKey ??= loadSigningKey(
        input.database,
        input.kms,
        'documents_bridge_keys',
        'documents',
        input.clock(),
      );
      return bridgeKey;
    },
  };
}
