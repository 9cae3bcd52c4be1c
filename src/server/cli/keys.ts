import type { Config } from '../config.ts';
import { createAuditLog } from '../modules/audit/index.ts';
import type { Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { openConfiguredDatabase } from '../platform/db/open.ts';
import { createLocalKms, developmentMasterKey, type KeyManagement } from '../platform/kms.ts';
import {
  checkSecretsOpen,
  type RewrapProgress,
  rewrapSecretColumn,
  wrapClearSecrets,
} from '../platform/secrets-at-rest.ts';
import { storedSecretColumns } from '../stored-secrets.ts';

export interface MasterKeyRotation {
  masterKeyId: string;
  /** Per table: secrets moved to the current master key, and secrets wrapped from clear. */
  tables: Array<{ table: string; rewrapped: number; wrappedFromClear: number }>;
}

/**
 * Moves every stored secret to the current master key: secrets still in clear are wrapped,
 * secrets under an older key re-wrapped (each table in batches, one transaction each), then every
 * table is checked to open under the current key alone. A second run changes nothing. Audited
 * with key ids and counts, never key material.
 */
export async function rotateMasterKey(
  database: Database,
  kms: KeyManagement,
  options: { onProgress?: (progress: RewrapProgress) => void; batchSize?: number } = {},
): Promise<MasterKeyRotation> {
  const fromClear = await wrapClearSecrets(database, kms, storedSecretColumns);
  const tables: MasterKeyRotation['tables'] = [];
  for (const column of storedSecretColumns) {
    const { rewrapped } = await rewrapSecretColumn(database, kms, column, options);
    tables.push({ table: column.table, rewrapped, wrappedFromClear: fromClear[column.table] ?? 0 });
  }
  // Nothing may still need the previous key: it is about to be removed from the configuration.
  await checkSecretsOpen(database, currentKeyOnly(kms), storedSecretColumns);
  await createAuditLog(database).record({
    actor: { kind: 'system', id: 'cli' },
    action: 'platform.master-key.rotated',
    outcome: 'success',
    details: {
      masterKeyId: kms.keyId,
      tables: Object.fromEntries(tables.map((t) => [t.table, t.rewrapped + t.wrappedFromClear])),
    },
  });
  return { masterKeyId: kms.keyId, tables };
}

/** The same KMS refusing every key but the current one. */
function currentKeyOnly(kms: KeyManagement): KeyManagement {
  return {
    keyId: kms.keyId,
    wrap: (plaintext, context) => kms.wrap(plaintext, context),
    unwrap: (wrapped, context) =>
      wrapped?.keyId === kms.keyId
        ? kms.unwrap(wrapped, context)
        : Promise.reject(new Error(`still wrapped under ${wrapped?.keyId}`)),
  };
}

const out = (line: string) => process.stdout.write(`${line}\n`);

/** `jokko keys rotate-master`: from the development or previous master key to JOKKO_MASTER_KEY. */
export async function rotateMasterKeyCommand(cfg: Config): Promise<void> {
  const current = cfg.kms.masterKey;
  if (current.development)
    throw new Error('JOKKO_MASTER_KEY is not set: rotating to the development key protects nothing');
  // A deployment that ran on the development default can move off it: that key is public anyway.
  const previous = [cfg.kms.previousMasterKey, developmentMasterKey()].flatMap((k) =>
    k ? [{ masterKey: k.material(), keyId: k.keyId }] : [],
  );
  const kms = createLocalKms(current.material(), current.keyId, previous);
  const database = await openConfiguredDatabase(cfg);
  try {
    await migrate(database);
    const result = await rotateMasterKey(database, kms, {
      onProgress: (p) => out(`  ${p.table}: ${p.done}/${p.total}`),
    });
    for (const t of result.tables)
      out(
        `${t.table}: ${t.rewrapped} re-wrapped${t.wrappedFromClear ? `, ${t.wrappedFromClear} wrapped from clear` : ''}`,
      );
    out(
      `Every stored secret opens under ${result.masterKeyId}. Remove JOKKO_MASTER_KEY_PREVIOUS and restart the nodes one by one.`,
    );
  } finally {
    await database.close();
  }
}
