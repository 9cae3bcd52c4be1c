/** Material for the synthetic demo population of one country profile. */
export interface DemoOrganisation {
  /** Short identifier used across the platform (e.g. DGID). */
  identifier: string;
  kind: 'administration' | 'bank' | 'company' | 'startup' | 'operator';
  name: string;
  shortName: string;
  email: string;
  phone: string;
  website?: string;
  /** True for organisations invented for the demo. */
  fictional: boolean;
}

export interface DemoData {
  maleGivenNames: string[];
  femaleGivenNames: string[];
  familyNames: string[];
  /** Feminine form of a family name where the language inflects it (Azerbaijani -ov → -ova). */
  feminineFamilyName?: (name: string) => string;
  /** Neighbourhoods or localities per department code; others fall back to the department name. */
  localities: Record<string, string[]>;
  streets: string[];
  emailDomains: string[];
  vehicles: Array<{ make: string; model: string; category: 'car' | 'pickup' | 'bus' | 'motorcycle' }>;
  colours: string[];
  /** Builds a licence plate from a region's plate code and a serial; distinct serials give distinct plates. */
  plate: (regionPlateCode: string, serial: number) => string;
  institutions: { school: string[]; university: string[] };
  diplomas: Array<{ type: string; level: 'school' | 'university'; minAge: number; fields: string[] }>;
  employers: string[];
  /** Who owns which registry: registry code → organisation identifier. */
  registryOwners: Record<string, string>;
  /** Pension schemes: salaried private sector and civil service. */
  pensionSchemes: { private: string; public: string };
  landUses: string[];
  organisations: DemoOrganisation[];
}
