import { auditLogKeySecretColumn } from './modules/audit/index.ts';
import { backendTokenSecretColumn } from './modules/bridge/index.ts';
import { documentKeySecretColumns } from './modules/documents/index.ts';
import { clientSecretColumn, identitySecretsColumn, totpSecretColumn } from './modules/identity/index.ts';
import type { Database } from './platform/db/database.ts';
import type { KeyManagement } from './platform/kms.ts';
import { checkSecretsOpen, type SecretColumn, wrapClearSecrets } from './platform/secrets-at-rest.ts';
import { signingKeySecretColumn } from './platform/signing-keys.ts';

/**
 * Every column of the database that holds a secret, wrapped by the KMS (docs/decisions/0018).
 * A new secret column belongs here, or the master-key rotation leaves it behind (a test checks
 * the schema for columns that look like secrets).
 */
export const storedSecretColumns: readonly SecretColumn[] = [
  signingKeySecretColumn('oidc_signing_keys'),
  identitySecretsColumn,
  totpSecretColumn,
  signingKeySecretColumn('bridge_signing_keys'),
  signingKeySecretColumn('consent_signing_keys'),
  signingKeySecretColumn('eservices_keys'),
  signingKeySecretColumn('eservices_bridge_keys'),
  signingKeySecretColumn('documents_bridge_keys'),
  ...documentKeySecretColumns,
  auditLogKeySecretColumn,
  backendTokenSecretColumn,
  clientSecretColumn,
];

/**
 * Run at every start, before any key is used: wraps what older versions stored in clear, then
 * checks that the configured master keys open what is stored, so a wrong key stops the start.
 */
export async function prepareStoredSecrets(
  database: Database,
  kms: KeyManagement,
): Promise<Record<string, number>> {
  const wrapped = await wrapClearSecrets(database, kms, storedSecretColumns);
  await checkSecretsOpen(database, kms, storedSecretColumns);
  return wrapped;
}
