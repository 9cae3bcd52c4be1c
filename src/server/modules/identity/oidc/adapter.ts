import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../../../platform/db/database.ts';
import type { KeyManagement, WrappedKey } from '../../../platform/kms.ts';
import { type SecretColumn, secretContext, unwrapStored } from '../../../platform/secrets-at-rest.ts';

/** A client's secret opens only for its own row: `oidc_payloads.client_secret:Client/<client id>`. */
const clientSecretContext = (model: string, id: string) =>
  secretContext('oidc_payloads', 'client_secret', `${model}/${id}`);

/**
 * OpenID client secrets are kept out of the `Client` payload, wrapped in `client_secret_wrapped`
 * (docs/decisions/0018); the other models carry no long-lived secret and are stored as they are.
 */
export const clientSecretColumn: SecretColumn = {
  table: 'oidc_payloads',
  key: ['model', 'id'],
  wrapped: 'client_secret_wrapped',
  context: (row) => clientSecretContext(row.model!, row.id!),
  // Before 20261129120200 the secret was a field of the payload, as oidc-provider writes it.
  clear: {
    column: 'payload',
    field: 'client_secret',
    bytes: (secret) => Buffer.from(String(secret), 'utf8'),
  },
};

/** A payload as stored: a Client's secret taken out and wrapped, any other payload unchanged. */
export async function sealPayload(
  kms: KeyManagement,
  model: string,
  id: string,
  payload: AdapterPayload,
): Promise<{ payload: AdapterPayload; secret: WrappedKey | null }> {
  if (model !== 'Client' || typeof payload.client_secret !== 'string') return { payload, secret: null };
  const { client_secret, ...rest } = payload;
  return {
    payload: rest,
    secret: await kms.wrap(Buffer.from(client_secret, 'utf8'), clientSecretContext(model, id)),
  };
}

/**
 * oidc-provider's storage in the platform database, one table for every model. Expired rows are
 * ignored on read; a later job purges them. A Client payload still holding its secret in clear (written
 * by an older node during a rolling upgrade) is served as it is until the next start wraps it.
 */
export function databaseAdapter(database: Database, kms: KeyManagement) {
  return class DatabaseAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
      const sealed = await sealPayload(kms, this.model, id, payload);
      await database.query(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at, client_secret_wrapped)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8::jsonb)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at,
           client_secret_wrapped = EXCLUDED.client_secret_wrapped`,
        [
          this.model,
          id,
          JSON.stringify(sealed.payload),
          payload.grantId ?? null,
          payload.uid ?? null,
          payload.userCode ?? null,
          expiresAt,
          sealed.secret ? JSON.stringify(sealed.secret) : null,
        ],
      );
    }

    private async findBy(
      column: 'id' | 'uid' | 'user_code',
      value: string,
    ): Promise<AdapterPayload | undefined> {
      const [row] = await database.query<{
        id: string;
        payload: AdapterPayload;
        consumed: boolean;
        secret: WrappedKey | null;
      }>(
        `SELECT id, payload, consumed_at IS NOT NULL AS consumed, client_secret_wrapped AS secret FROM oidc_payloads
         WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now())`,
        [this.model, value],
      );
      if (!row) return undefined;
      const payload = row.secret
        ? {
            ...row.payload,
            client_secret: Buffer.from(
              await unwrapStored(kms, row.secret, clientSecretContext(this.model, row.id)),
            ).toString('utf8'),
          }
        : row.payload;
      return row.consumed ? { ...payload, consumed: true } : payload;
    }

    find(id: string) {
      return this.findBy('id', id);
    }

    findByUid(uid: string) {
      return this.findBy('uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.findBy('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await database.query('UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2', [
        this.model,
        id,
      ]);
    }

    async destroy(id: string): Promise<void> {
      await database.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await database.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
    }
  };
}
