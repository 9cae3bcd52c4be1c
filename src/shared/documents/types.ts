import type { Localized } from '../procedures/definition.ts';

/**
 * The verifiable documents (SD-JWT VC) administrations issue, as data: each type's claims, which
 * of them the holder may disclose one by one, how long a credential lasts and how a wallet shows
 * it. Claim names follow OpenID Connect where it has one (given_name, family_name, birthdate) and
 * the EU PID rulebook for `age_equal_or_over`; the others are the registries' fields in snake_case.
 * Texts carry every language of the country profile (fr, wo, en for Senegal).
 */

export const documentTypeIds = [
  'national-id',
  'driving-licence',
  'vehicle-registration',
  'diploma',
  'birth-certificate-extract',
  'criminal-record-extract',
  'residence-certificate',
] as const;
export type DocumentType = (typeof documentTypeIds)[number];

/** Claims the holder can never withhold: they say who vouches, for what, until when and for whom. */
export const neverDisclosable = ['iss', 'vct', 'iat', 'nbf', 'exp', 'cnf', 'status', 'sub'] as const;

export interface ClaimDefinition {
  name: string;
  label: Localized;
  kind: 'string' | 'date' | 'integer' | 'boolean' | 'string-list' | 'object';
  /** Sub-claims of an object, each disclosable on its own (path `parent.child`). */
  claims?: readonly ClaimDefinition[];
}

export interface DocumentTypeDefinition {
  type: DocumentType;
  name: Localized;
  /** Lifetime of a credential from issuance; a document with its own end date ends at the earlier. */
  validityDays: number;
  /** Card colours; every pair keeps a WCAG AA contrast of 4.5:1 or more (checked by a test). */
  display: { backgroundColor: string; textColor: string };
  claims: readonly ClaimDefinition[];
}

const claim = (name: string, kind: ClaimDefinition['kind'], label: Localized): ClaimDefinition => ({
  name,
  kind,
  label,
});

const givenName = claim('given_name', 'string', { fr: 'Prénoms', wo: 'Tur', en: 'Given names' });
const familyName = claim('family_name', 'string', { fr: 'Nom', wo: 'Sant', en: 'Family name' });
const birthdate = claim('birthdate', 'date', {
  fr: 'Date de naissance',
  wo: 'Bésu juddu',
  en: 'Date of birth',
});
const birthPlace = claim('birth_place', 'string', {
  fr: 'Lieu de naissance',
  wo: 'Fi mu juddoo',
  en: 'Place of birth',
});
const sex = claim('sex', 'string', { fr: 'Sexe', wo: 'Jinne', en: 'Sex' });
const nationality = claim('nationality', 'string', { fr: 'Nationalité', wo: 'Réew', en: 'Nationality' });
const nin = claim('nin', 'string', {
  fr: "Numéro d'identification national (NIN)",
  wo: 'NIN',
  en: 'National identification number (NIN)',
});
const ageOver = (years: number): ClaimDefinition =>
  claim(String(years), 'boolean', {
    fr: `${years} ans ou plus`,
    wo: `Am na ${years} at walla lu ko ëpp`,
    en: `${years} or older`,
  });
const ageEqualOrOver: ClaimDefinition = {
  ...claim('age_equal_or_over', 'object', { fr: 'Âge', wo: 'At', en: 'Age' }),
  claims: [ageOver(18), ageOver(21)],
};
const holder = [givenName, familyName, birthdate, nin];

export const documentTypes: Readonly<Record<DocumentType, DocumentTypeDefinition>> = {
  'national-id': {
    type: 'national-id',
    name: { fr: "Carte nationale d'identité", wo: 'Kàrtu identite', en: 'National identity card' },
    validityDays: 3650,
    display: { backgroundColor: '#00573A', textColor: '#FFFFFF' },
    claims: [givenName, familyName, birthdate, birthPlace, sex, nationality, nin, ageEqualOrOver],
  },
  'driving-licence': {
    type: 'driving-licence',
    name: { fr: 'Permis de conduire', wo: 'Permi', en: 'Driving licence' },
    validityDays: 1825,
    display: { backgroundColor: '#8A1C2B', textColor: '#FFFFFF' },
    claims: [
      claim('licence_number', 'string', { fr: 'Numéro du permis', wo: 'Nimero permi', en: 'Licence number' }),
      ...holder,
      claim('categories', 'string-list', { fr: 'Catégories', wo: 'Xeet yi', en: 'Categories' }),
      claim('issue_date', 'date', { fr: 'Délivré le', wo: 'Jox nañu ko', en: 'Issued on' }),
      claim('expiry_date', 'date', { fr: "Valable jusqu'au", wo: 'Baax na ba', en: 'Valid until' }),
    ],
  },
  'vehicle-registration': {
    type: 'vehicle-registration',
    name: {
      fr: "Certificat d'immatriculation",
      wo: 'Kàrt grise',
      en: 'Vehicle registration certificate',
    },
    validityDays: 365,
    display: { backgroundColor: '#1F3A68', textColor: '#FFFFFF' },
    claims: [
      claim('plate', 'string', { fr: 'Immatriculation', wo: 'Nimero oto', en: 'Registration plate' }),
      claim('vin', 'string', {
        fr: 'Numéro de série (VIN)',
        wo: 'Nimero VIN',
        en: 'Vehicle identification number',
      }),
      claim('make', 'string', { fr: 'Marque', wo: 'Mark', en: 'Make' }),
      claim('model', 'string', { fr: 'Modèle', wo: 'Modeel', en: 'Model' }),
      claim('year', 'integer', { fr: 'Année', wo: 'At', en: 'Year' }),
      claim('colour', 'string', { fr: 'Couleur', wo: 'Melo', en: 'Colour' }),
      claim('category', 'string', { fr: 'Genre', wo: 'Xeet', en: 'Category' }),
      claim('first_registered', 'date', {
        fr: 'Première immatriculation',
        wo: 'Bés bu njëkk bi ñu ko bind',
        en: 'First registered',
      }),
      claim('owner_given_name', 'string', {
        fr: 'Prénoms du titulaire',
        wo: 'Turu boroom',
        en: "Owner's given names",
      }),
      claim('owner_family_name', 'string', {
        fr: 'Nom du titulaire',
        wo: 'Santu boroom',
        en: "Owner's family name",
      }),
      claim('owner_nin', 'string', { fr: 'NIN du titulaire', wo: 'NIN bu boroom', en: "Owner's NIN" }),
    ],
  },
  diploma: {
    type: 'diploma',
    name: { fr: 'Diplôme', wo: 'Diplom', en: 'Diploma' },
    validityDays: 3650,
    display: { backgroundColor: '#4B2A7B', textColor: '#FFFFFF' },
    claims: [
      claim('diploma_number', 'string', {
        fr: 'Numéro du diplôme',
        wo: 'Nimero diplom',
        en: 'Diploma number',
      }),
      ...holder,
      claim('diploma_type', 'string', { fr: 'Diplôme', wo: 'Diplom', en: 'Qualification' }),
      claim('field', 'string', { fr: 'Spécialité', wo: 'Mboor', en: 'Field' }),
      claim('institution', 'string', { fr: 'Établissement', wo: 'Daara', en: 'Institution' }),
      claim('year', 'integer', { fr: "Année d'obtention", wo: 'At', en: 'Year' }),
      claim('mention', 'string', { fr: 'Mention', wo: 'Mansioŋ', en: 'Honours' }),
    ],
  },
  'birth-certificate-extract': {
    type: 'birth-certificate-extract',
    name: { fr: "Extrait d'acte de naissance", wo: 'Ekstre kayitu juddu', en: 'Birth certificate extract' },
    validityDays: 90,
    display: { backgroundColor: '#F6EDD3', textColor: '#3B2A00' },
    claims: [
      givenName,
      familyName,
      birthdate,
      birthPlace,
      sex,
      nin,
      claim('father_name', 'string', { fr: 'Nom du père', wo: 'Turu baay', en: "Father's name" }),
      claim('mother_name', 'string', { fr: 'Nom de la mère', wo: 'Turu yaay', en: "Mother's name" }),
    ],
  },
  'criminal-record-extract': {
    type: 'criminal-record-extract',
    name: {
      fr: 'Extrait de casier judiciaire (bulletin n° 3)',
      wo: 'Ekstre kaasiye jidisiyeer',
      en: 'Criminal record extract',
    },
    validityDays: 90,
    display: { backgroundColor: '#2F3B45', textColor: '#FFFFFF' },
    claims: [
      givenName,
      familyName,
      birthdate,
      birthPlace,
      nin,
      // An empty list is the "néant" of the bulletin n° 3.
      claim('convictions', 'string-list', { fr: 'Condamnations', wo: 'Daan yi', en: 'Convictions' }),
    ],
  },
  'residence-certificate': {
    type: 'residence-certificate',
    name: { fr: 'Certificat de résidence', wo: 'Sertifikaa dëkkuwaay', en: 'Residence certificate' },
    validityDays: 90,
    display: { backgroundColor: '#FFF4D6', textColor: '#5A3E00' },
    claims: [
      ...holder,
      {
        ...claim('address', 'object', { fr: 'Adresse', wo: 'Adrees', en: 'Address' }),
        claims: [
          claim('region', 'string', { fr: 'Région', wo: 'Diwaan', en: 'Region' }),
          claim('department', 'string', { fr: 'Département', wo: 'Departmaa', en: 'Department' }),
          claim('locality', 'string', { fr: 'Localité', wo: 'Dëkk', en: 'Locality' }),
          claim('line', 'string', { fr: 'Adresse', wo: 'Adrees', en: 'Street address' }),
        ],
      },
    ],
  },
};

/** The `vct` of a type: a URI on the platform, where its type metadata can be published. */
export function vctOf(publicUrl: string, type: DocumentType): string {
  return `${publicUrl.replace(/\/+$/, '')}/vct/${type}`;
}

/** The document type a `vct` names when it follows `vctOf`, whatever the platform's URL. */
export function documentTypeOf(vct: string): DocumentType | undefined {
  const type = vct.slice(vct.lastIndexOf('/vct/') + 5);
  return vct.includes('/vct/') && (documentTypeIds as readonly string[]).includes(type)
    ? (type as DocumentType)
    : undefined;
}

/**
 * Every disclosable path of a type: each claim, and for an object each sub-claim too
 * (`age_equal_or_over`, `age_equal_or_over.18`), so a holder can show "18 or older" alone.
 */
export function disclosablePaths(type: DocumentType): string[] {
  const paths: string[] = [];
  const walk = (claims: readonly ClaimDefinition[], prefix: string) => {
    for (const c of claims) {
      const path = prefix + c.name;
      paths.push(path);
      if (c.claims) walk(c.claims, `${path}.`);
    }
  };
  walk(documentTypes[type].claims, '');
  return paths;
}

/** A claim's definition by path (`age_equal_or_over.18`), for labels. */
export function claimDefinition(type: DocumentType, path: string): ClaimDefinition | undefined {
  let claims: readonly ClaimDefinition[] | undefined = documentTypes[type].claims;
  let found: ClaimDefinition | undefined;
  for (const name of path.split('.')) {
    found = claims?.find((c) => c.name === name);
    if (!found) return undefined;
    claims = found.claims;
  }
  return found;
}
