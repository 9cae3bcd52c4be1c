import { azerbaijan } from './az.ts';
import type { CountryProfile } from './profile.ts';
import { senegal } from './sn.ts';

export type { CountryProfile, Department, LocalizedText, Region } from './profile.ts';
export { formatMoney, isValidPhone, normalizePhone, validateNationalId } from './validate.ts';

const profiles: Record<string, CountryProfile> = { SN: senegal, AZ: azerbaijan };

export const countryCodes: readonly string[] = Object.keys(profiles);

export function getCountryProfile(code: string): CountryProfile {
  const profile = profiles[code.toUpperCase()];
  if (!profile)
    throw new Error(`unknown country profile "${code}"; known profiles: ${countryCodes.join(', ')}`);
  return profile;
}
