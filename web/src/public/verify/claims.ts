import {
  type ClaimDefinition,
  claimDefinition,
  type DocumentType,
  documentTypes,
} from '../../../../src/shared/documents/index.ts';

export interface ClaimRow {
  path: string;
  /** The object an entry belongs to (Âge, Adresse), shown before its label. */
  group?: string;
  label: string;
  value: unknown;
  kind: ClaimDefinition['kind'] | 'unknown';
}

const labelIn = (definition: ClaimDefinition | undefined, language: string, fallback: string) =>
  definition?.label[language] ?? definition?.label.fr ?? fallback;

/**
 * The disclosed claims as labelled rows, in the order the document type lists them (unknown claims
 * last, under their own names). An object's entries are rows of their own: "18 or older: yes".
 */
export function claimRows(
  type: DocumentType | undefined,
  claims: Record<string, unknown>,
  language: string,
): ClaimRow[] {
  const definitions = type ? documentTypes[type].claims.map((c) => c.name) : [];
  const names = [
    ...definitions.filter((name) => name in claims),
    ...Object.keys(claims).filter((name) => !definitions.includes(name)),
  ];
  const rows: ClaimRow[] = [];
  for (const name of names) {
    const value = claims[name];
    const definition = type ? claimDefinition(type, name) : undefined;
    if (definition?.kind === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
      const parent = labelIn(definition, language, name);
      for (const [sub, subValue] of Object.entries(value)) {
        const path = `${name}.${sub}`;
        const subDefinition = claimDefinition(type!, path);
        rows.push({
          path,
          group: parent,
          label: labelIn(subDefinition, language, sub),
          value: subValue,
          kind: subDefinition?.kind ?? 'unknown',
        });
      }
    } else {
      rows.push({
        path: name,
        label: labelIn(definition, language, name),
        value,
        kind: definition?.kind ?? 'unknown',
      });
    }
  }
  return rows;
}
