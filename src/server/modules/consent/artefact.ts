import { CompactSign } from 'jose';
import type { ArtefactClaims } from '../../../client/consent.ts';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { loadSigningKey, publishedSigningKeys, type SigningKey } from '../../platform/signing-keys.ts';

export {
  type ArtefactClaims,
  artefactHash,
  type ConsentStatus,
  type Frequency,
  verifyArtefact,
} from '../../../client/consent.ts';

export type ConsentKey = SigningKey;

/** The newest consent signing key (its own table: consent artefacts are not bridge messages). */
export const loadConsentKey = (database: Database, kms: KeyManagement, now: Date): Promise<ConsentKey> =>
  loadSigningKey(database, kms, 'consent_signing_keys', 'consent', now);

export const publishedConsentKeys = (database: Database) =>
  publishedSigningKeys(database, 'consent_signing_keys');

export async function signArtefact(key: ConsentKey, claims: ArtefactClaims): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'consent+jws' })
    .sign(key.privateKey);
}
