import type { ProcedureDefinition } from '../../../shared/procedures/definition.ts';
import type { SqlSession } from '../../platform/db/database.ts';
import { publishedSigningKeys, type SigningKey } from '../../platform/signing-keys.ts';
import type { ApplicationRow, OutputRecord } from './applications.ts';
import type { EservicesDeps } from './deps.ts';
import {
  type OutputCodeCheck,
  signOutputCode,
  statementSha256,
  verificationUrl,
  verifyOutputCode,
} from './output-code.ts';
import { renderOutputPdf } from './output-pdf.ts';

/** The PDFs' captions per language (decision letters here, paper copies of documents too). */
export const pdfLabels: Record<string, Parameters<typeof renderOutputPdf>[0]['labels']> = {
  fr: {
    reference: 'Référence',
    applicant: 'Demandeur',
    nin: 'NIN',
    issuedOn: 'Délivré le',
    validUntil: "Valable jusqu'au",
    verify: 'Vérifiez ce document : scannez le code ou ouvrez le lien',
  },
  wo: {
    reference: 'Referaas',
    applicant: 'Ki ko laaj',
    nin: 'NIN',
    issuedOn: 'Joxe nañu ko ci',
    validUntil: 'Baax na ba',
    verify: 'Seetal kayit bii: skanneel kod bi walla ubbil lien bi',
  },
  en: {
    reference: 'Reference',
    applicant: 'Applicant',
    nin: 'NIN',
    issuedOn: 'Issued on',
    validUntil: 'Valid until',
    verify: 'Check this document: scan the code or open the link',
  },
};

const addMonths = (d: Date, months: number) => {
  const r = new Date(d);
  r.setUTCMonth(r.getUTCMonth() + months);
  return r;
};

function fill(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (whole, name: string) => {
    const v = values[name];
    return v === undefined || v === null ? whole : String(v);
  });
}

/**
 * What approval produces: the statement in the citizen's language with the answers filled in,
 * and a verification code signed by the platform over it (the PDF is drawn from this record on
 * each download, so the QR always carries the same code). The key is loaded before the
 * transaction: PGlite has one connection, and the transaction holds it.
 */
export async function issueOutput(
  deps: EservicesDeps,
  tx: SqlSession,
  row: ApplicationRow,
  procedure: ProcedureDefinition,
  key: SigningKey,
  /** Values the registry change answered (e.g. the new expiry date), printed as `{name}`. */
  results: Record<string, unknown>,
): Promise<OutputRecord> {
  const now = deps.clock();
  const language = row.language;
  const pick = (t: Record<string, string>) =>
    t[language] ?? t[deps.country.languages.default] ?? Object.values(t)[0]!;
  const applicantName =
    [row.data.givenNames, row.data.familyName].filter((v) => typeof v === 'string' && v).join(' ') || row.nin;
  const validUntil = procedure.output.validityMonths ? addMonths(now, procedure.output.validityMonths) : null;
  const dateFormat = new Intl.DateTimeFormat(
    language === 'wo' ? 'fr-SN' : `${language}-${deps.country.code}`,
    {
      dateStyle: 'long',
      timeZone: deps.country.timeZone,
    },
  );
  const statement = fill(pick(procedure.output.statement), {
    ...row.data,
    ...results,
    reference: row.reference,
    applicantName,
    nin: row.nin,
    issuedOn: dateFormat.format(now),
  }).normalize('NFC');
  const [issuer] = await tx.query<{ name: string }>('SELECT name FROM organisations WHERE identifier = $1', [
    row.owner,
  ]);
  const code = await signOutputCode(key, {
    iss: deps.publicUrl,
    sub: row.reference,
    iat: Math.floor(now.getTime() / 1000),
    ...(validUntil ? { exp: Math.floor(validUntil.getTime() / 1000) } : {}),
    jokko: {
      procedure: procedure.id,
      version: procedure.version,
      kind: procedure.output.kind,
      owner: row.owner,
      holder: { name: applicantName, nin: row.nin },
      decision: 'approved',
      statementSha256: statementSha256(statement),
      language,
    },
  });
  return {
    code,
    kind: procedure.output.kind,
    title: pick(procedure.output.title),
    statement,
    applicantName,
    issuerName: issuer?.name ?? row.owner,
    issuedAt: now.toISOString(),
    validUntil: validUntil?.toISOString() ?? null,
    language,
  };
}

export async function renderApplicationPdf(deps: EservicesDeps, row: ApplicationRow): Promise<Uint8Array> {
  const output = row.output!;
  return renderOutputPdf({
    language: `${output.language}-${deps.country.code}`,
    title: output.title,
    issuer: { name: output.issuerName },
    reference: row.reference,
    applicant: { name: output.applicantName, nin: row.nin },
    statement: output.statement,
    issuedAt: new Date(output.issuedAt),
    ...(output.validUntil ? { validUntil: new Date(output.validUntil) } : {}),
    labels: pdfLabels[output.language] ?? pdfLabels.fr!,
    verificationUrl: verificationUrl(deps.publicUrl, output.code),
    timeZone: deps.country.timeZone,
  });
}

/** Anyone may check a code: the answer says whether the platform signed it, and what it says. */
export async function checkOutputCode(deps: EservicesDeps, code: string): Promise<OutputCodeCheck> {
  return verifyOutputCode(code, await publishedSigningKeys(deps.database, 'eservices_keys'), {
    issuer: deps.publicUrl,
    now: deps.clock(),
  });
}

export const outputKeys = (deps: EservicesDeps) => publishedSigningKeys(deps.database, 'eservices_keys');

/** The public name of an administration (organisations registry), for verifiers. */
export async function administrationName(deps: EservicesDeps, identifier: string) {
  const [row] = await deps.database.query<{ identifier: string; name: string }>(
    "SELECT identifier, name FROM organisations WHERE identifier = $1 AND kind = 'administration'",
    [identifier],
  );
  return row;
}
