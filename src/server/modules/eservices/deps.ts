import type { CountryProfile } from '../../../shared/countries/index.ts';
import type { Database } from '../../platform/db/database.ts';
import type { KeyManagement } from '../../platform/kms.ts';
import { loadSigningKey, type SigningKey } from '../../platform/signing-keys.ts';
import type { AuditLog } from '../audit/index.ts';

/** Checks an uploaded file before it is kept; a real deployment plugs an antivirus (ClamAV) here. */
export interface AttachmentScanner {
  scan(bytes: Uint8Array, mediaType: string): Promise<'clean' | 'infected'>;
}

export interface EservicesDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
  clock: () => Date;
  /** Where the Digital Bridge is reached (the platform's own URL in one deployment). */
  bridgeUrl: string;
  /** Issuer of verification codes and base of the verification link. */
  publicUrl: string;
  /** Signs the verification codes of outputs. */
  outputKey: () => Promise<SigningKey>;
  /** Signs the bridge requests that pre-fill forms. */
  bridgeKey: () => Promise<SigningKey>;
  scanner: AttachmentScanner;
  /**
   * Told when an approval changed a registry record (the documents module revokes the wallet
   * documents made from it); wired in app.ts, so e-services imports no documents code.
   */
  onRecordChanged?: (change: {
    registry: string;
    record: Record<string, unknown>;
    reason: string;
  }) => Promise<unknown>;
}

/** The EICAR test file is what every antivirus detects: the default scanner knows it alone. */
const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export const eicarOnlyScanner: AttachmentScanner = {
  async scan(bytes) {
    return Buffer.from(bytes).includes(eicar) ? 'infected' : 'clean';
  },
};

/** What e-services need, from the platform's parts; the signing keys load on first use. */
export function createEservicesDeps(input: {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
  clock: () => Date;
  publicUrl: string;
  /** Wraps the output and bridge-client keys at rest. */
  kms: KeyManagement;
  scanner?: AttachmentScanner;
  onRecordChanged?: EservicesDeps['onRecordChanged'];
}): EservicesDeps {
  const once = <T>(make: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => {
      value ??= make();
      return value;
    };
  };
  return {
    ...input,
    bridgeUrl: input.publicUrl,
    scanner: input.scanner ?? eicarOnlyScanner,
    outputKey: once(() =>
      loadSigningKey(input.database, input.kms, 'eservices_keys', 'output', input.clock()),
    ),
    bridgeKey: once(() =>
      loadSigningKey(input.database, input.kms, 'eservices_bridge_keys', 'eservices', input.clock()),
    ),
  };
}
