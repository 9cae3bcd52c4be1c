import type { KeyManagement, WrappedKey } from '../../platform/kms.ts';
import { type SecretColumn, secretContext, unwrapStored } from '../../platform/secrets-at-rest.ts';

/**
 * The bearer token the bridge sends to a provider's backend is a shared secret: it is stored wrapped
 * by the KMS (docs/decisions/0018), opening only for its own service row.
 */
const backendTokenContext = (serviceId: string) =>
  secretContext('bridge_services', 'backend_token', serviceId);

export const backendTokenSecretColumn: SecretColumn = {
  table: 'bridge_services',
  key: ['id'],
  wrapped: 'backend_token_wrapped',
  context: (row) => backendTokenContext(row.id!),
  // Before 20261129120200 the token was kept in clear in backend_token.
  clear: { column: 'backend_token', bytes: (token) => Buffer.from(String(token), 'utf8') },
};

/** The value of `bridge_services.backend_token_wrapped` for a service (null without a token). */
export async function wrapBackendToken(
  kms: KeyManagement,
  serviceId: string,
  token: string | null | undefined,
): Promise<string | null> {
  if (!token) return null;
  return JSON.stringify(await kms.wrap(Buffer.from(token, 'utf8'), backendTokenContext(serviceId)));
}

export async function openBackendToken(
  kms: KeyManagement,
  serviceId: string,
  wrapped: WrappedKey | null,
): Promise<string | null> {
  if (!wrapped) return null;
  return Buffer.from(await unwrapStored(kms, wrapped, backendTokenContext(serviceId))).toString('utf8');
}
