import type { DocumentType } from '../../../shared/documents/types.ts';

/** The registry answers a document is made of (reference services on the bridge). */
interface PersonRecord {
  nin: string;
  givenNames: string;
  familyName: string;
  sex: string;
  birthDate: string;
  birthPlace: string;
  nationality: string;
  deathDate: string | null;
  address: { regionCode: string; departmentCode: string; locality: string; line: string };
}

/** Documents issued on request, from the registry that holds their data (the others are e-service outputs). */
export const onRequest = {
  'national-id': { registry: 'people', records: undefined },
  'residence-certificate': { registry: 'people', records: undefined },
  'driving-licence': { registry: 'driving-licences', records: 'driving-licences' },
  'vehicle-registration': { registry: 'vehicles', records: 'vehicles' },
  diploma: { registry: 'diplomas', records: 'diplomas' },
} as const satisfies Partial<Record<DocumentType, { registry: string; records: string | undefined }>>;
export type RequestableType = keyof typeof onRequest;

/** The key of a record in its registry: what `source` names, to revoke when it changes. */
export const recordKey: Record<string, string> = {
  'driving-licences': 'number',
  vehicles: 'plate',
  diplomas: 'number',
};

function ageOn(birthDate: string, today: Date): number {
  const born = new Date(`${birthDate}T00:00:00Z`);
  let age = today.getUTCFullYear() - born.getUTCFullYear();
  if (today < new Date(Date.UTC(today.getUTCFullYear(), born.getUTCMonth(), born.getUTCDate()))) age--;
  return age;
}

/**
 * The claims of a document from the registries' answers: the person (population register) and, for
 * documents about a record, that record. Claim names are the document type's (shared/documents).
 */
export function claimsFor(
  type: RequestableType,
  person: PersonRecord,
  record: Record<string, unknown> | undefined,
  today: Date,
): { claims: Record<string, unknown>; source: string | null; expiresOn?: string } {
  const holder = {
    given_name: person.givenNames,
    family_name: person.familyName,
    birthdate: person.birthDate,
    nin: person.nin,
  };
  switch (type) {
    case 'national-id': {
      const age = ageOn(person.birthDate, today);
      return {
        claims: {
          ...holder,
          birth_place: person.birthPlace,
          sex: person.sex,
          nationality: person.nationality,
          age_equal_or_over: { 18: age >= 18, 21: age >= 21 },
        },
        source: null,
      };
    }
    case 'residence-certificate':
      return {
        claims: {
          ...holder,
          address: {
            region: person.address.regionCode,
            department: person.address.departmentCode,
            locality: person.address.locality,
            line: person.address.line,
          },
        },
        source: null,
      };
    case 'driving-licence': {
      const r = record as { number: string; categories: string[]; issuedOn: string; expiresOn: string };
      return {
        claims: {
          licence_number: r.number,
          ...holder,
          categories: r.categories,
          issue_date: r.issuedOn,
          expiry_date: r.expiresOn,
        },
        source: r.number,
        expiresOn: r.expiresOn,
      };
    }
    case 'vehicle-registration': {
      const r = record as {
        plate: string;
        vin: string;
        make: string;
        model: string;
        year: number;
        colour: string;
        category: string;
        firstRegistered: string;
      };
      return {
        claims: {
          plate: r.plate,
          vin: r.vin,
          make: r.make,
          model: r.model,
          year: r.year,
          colour: r.colour,
          category: r.category,
          first_registered: r.firstRegistered,
          owner_given_name: person.givenNames,
          owner_family_name: person.familyName,
          owner_nin: person.nin,
        },
        source: r.plate,
      };
    }
    case 'diploma': {
      const r = record as {
        number: string;
        diplomaType: string;
        field: string;
        institution: string;
        year: number;
        mention: string | null;
      };
      return {
        claims: {
          diploma_number: r.number,
          ...holder,
          diploma_type: r.diplomaType,
          field: r.field,
          institution: r.institution,
          year: r.year,
          ...(r.mention ? { mention: r.mention } : {}),
        },
        source: r.number,
      };
    }
  }
}
