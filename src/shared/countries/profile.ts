/** A country is data, not code: everything country-specific that the platform needs. */
export interface LocalizedText {
  [language: string]: string;
}

export type NationalIdCheckRule =
  /** No check digit is published: only the pattern is enforced. */
  | { kind: 'none' }
  /** Luhn mod 10 over the digits (for profiles whose numbers carry one). */
  | { kind: 'luhn' };

export interface Department {
  code: string;
  name: string;
}

export interface Region {
  /** ISO 3166-2 code where one exists. */
  code: string;
  name: string;
  /** Short code used on licence plates and in title numbers. */
  plateCode: string;
  /** Share of the national population (approximate, for synthetic data). */
  populationShare: number;
  departments: Department[];
}

export interface CountryProfile {
  code: string;
  name: LocalizedText;
  languages: { default: string; others: string[] };
  currency: { code: string; minorUnits: number; symbol: string };
  timeZone: string;
  phone: {
    countryCallingCode: string;
    nationalNumberLength: number;
    mobilePrefixes: string[];
    landlinePrefixes: string[];
    example: string;
  };
  nationalId: {
    /** What the number is called: NIN in Senegal, FIN in Azerbaijan. */
    name: string;
    label: LocalizedText;
    /** Regular expression (source) the normalised number must match in full. */
    pattern: string;
    length: number;
    checkRule: NationalIdCheckRule;
    /** Position (0-based) of a digit that gives the holder's sex, when the format has one. */
    sexDigit?: { position: number; male: string; female: string };
    /** What is official and what is assumed about this format. */
    note: string;
  };
  businessId: { name: string; pattern: string; note: string };
  regions: Region[];
}
