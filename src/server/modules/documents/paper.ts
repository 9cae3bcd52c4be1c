import { generateKeyPairSync } from 'node:crypto';
import { claimDefinition, type DocumentType, documentTypes } from '../../../shared/documents/types.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import { pdfLabels, renderOutputPdf } from '../eservices/index.ts';
import type { RequestableType } from './claims.ts';
import { type DocumentsDeps, documentFromRegistry, signAndRecord } from './wallet.ts';

const words: Record<string, { yes: string; no: string; paper: string }> = {
  fr: {
    yes: 'oui',
    no: 'non',
    paper:
      "Copie papier d'un document numérique. Le code ci-dessous le vérifie ; vérifiez aussi l'identité de la personne qui le présente.",
  },
  wo: {
    yes: 'waaw',
    no: 'déedéet',
    paper:
      'Kayit bu ñu imprimee ci kayit bu dijitaal. Kod bi ci suuf dafay wone ni dëgg la; seetal itam ki ko indi.',
  },
  en: {
    yes: 'yes',
    no: 'no',
    paper:
      'Paper copy of a digital document. The code below verifies it; also check the identity of the person showing it.',
  },
};

/** "Label: value" lines of a document's claims in a language, objects entry by entry. */
function lines(type: DocumentType, claims: Record<string, unknown>, language: string): string[] {
  const w = words[language] ?? words.fr!;
  const out: string[] = [];
  const walk = (value: Record<string, unknown>, prefix: string) => {
    for (const [name, v] of Object.entries(value)) {
      const path = prefix + name;
      const def = claimDefinition(type, path);
      const label = def?.label[language] ?? def?.label.fr ?? path;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${path}.`);
      else
        out.push(
          `${label} : ${typeof v === 'boolean' ? (v ? w.yes : w.no) : Array.isArray(v) ? v.join(', ') || '—' : String(v)}`,
        );
    }
  };
  walk(claims, '');
  return out;
}

/**
 * A document on paper: a PDF whose QR holds a credential with every claim disclosed, bound to a key
 * that is thrown away, so no one can present it as a wallet would; verifiers check it as a paper
 * copy (the credential itself: issuer, dates, revocation) and check the holder's identity.
 */
export async function paperDocument(
  deps: DocumentsDeps,
  actor: Actor,
  input: { type: RequestableType; source?: string; language: string },
  origin?: RequestOrigin,
): Promise<{ pdf: Uint8Array; id: string }> {
  const prepared = await documentFromRegistry(deps, actor, input);
  const discarded = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const issued = await signAndRecord(deps, actor, { ...prepared, holderJwk: discarded }, origin);
  const language = words[input.language] ? input.language : deps.country.languages.default;
  const [issuer] = await deps.database.query<{ name: string }>(
    'SELECT name FROM organisations WHERE identifier = $1',
    [issued.issuer],
  );
  const claims = prepared.claims;
  const pdf = await renderOutputPdf({
    language: `${language}-${deps.country.code}`,
    title: documentTypes[prepared.type].name[language] ?? documentTypes[prepared.type].name.fr!,
    issuer: { name: issuer?.name ?? issued.issuer },
    reference: issued.id,
    applicant: {
      name: [claims.given_name ?? claims.owner_given_name, claims.family_name ?? claims.owner_family_name]
        .filter(Boolean)
        .join(' '),
      nin: prepared.nin,
    },
    statement: [(words[language] ?? words.fr!).paper, '', ...lines(prepared.type, claims, language)].join(
      '\n',
    ),
    issuedAt: prepared.now,
    validUntil: prepared.expiresAt,
    labels: pdfLabels[language] ?? pdfLabels.fr!,
    verificationUrl: `${deps.publicUrl.replace(/\/+$/, '')}/verify#${issued.credential}`,
    timeZone: deps.country.timeZone,
  });
  return { pdf, id: issued.id };
}
