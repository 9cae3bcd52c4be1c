import type { CountryProfile } from './profile.ts';

export type NationalIdResult =
  | { ok: true; normalized: string; sex?: 'male' | 'female' }
  | { ok: false; reason: string };

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Checks a national identification number against the profile's format and check rule. */
export function validateNationalId(profile: CountryProfile, value: string): NationalIdResult {
  const id = profile.nationalId;
  const normalized = value.replace(/[\s-]/g, '').toUpperCase();
  if (normalized.length !== id.length) {
    return {
      ok: false,
      reason: `a ${id.name} has ${id.length} characters, this one has ${normalized.length}`,
    };
  }
  if (!new RegExp(id.pattern).test(normalized)) {
    return { ok: false, reason: `not a valid ${id.name}: expected the format ${id.pattern}` };
  }
  if (id.checkRule.kind === 'luhn' && !luhnValid(normalized)) {
    return { ok: false, reason: `not a valid ${id.name}: the check digit does not match` };
  }
  if (id.sexDigit) {
    const digit = normalized[id.sexDigit.position];
    const sex = digit === id.sexDigit.male ? 'male' : digit === id.sexDigit.female ? 'female' : undefined;
    if (!sex)
      return {
        ok: false,
        reason: `not a valid ${id.name}: its sex digit must be ${id.sexDigit.male} or ${id.sexDigit.female}`,
      };
    return { ok: true, normalized, sex };
  }
  return { ok: true, normalized };
}

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** Normalises a phone number written the local or international way to E.164 (+221771234567). */
export function normalizePhone(profile: CountryProfile, input: string): PhoneResult {
  const p = profile.phone;
  let digits = input.trim().replace(/[\s().-]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  else if (digits.startsWith('00')) digits = digits.slice(2);
  else if (digits.length === p.nationalNumberLength) digits = `${p.countryCallingCode}${digits}`;
  if (!/^\d+$/.test(digits))
    return { ok: false, reason: 'a phone number has only digits, spaces and an optional +' };
  if (!digits.startsWith(p.countryCallingCode)) {
    return { ok: false, reason: `expected a +${p.countryCallingCode} number` };
  }
  const national = digits.slice(p.countryCallingCode.length);
  if (national.length !== p.nationalNumberLength) {
    return {
      ok: false,
      reason: `a +${p.countryCallingCode} number has ${p.nationalNumberLength} digits after the country code`,
    };
  }
  const prefixes = [...p.mobilePrefixes, ...p.landlinePrefixes];
  if (!prefixes.some((prefix) => national.startsWith(prefix))) {
    return { ok: false, reason: `numbers start with ${prefixes.join(', ')}` };
  }
  return { ok: true, e164: `+${digits}` };
}

export const isValidPhone = (profile: CountryProfile, input: string): boolean =>
  normalizePhone(profile, input).ok;

/** Money in the profile's currency, formatted for a locale (XOF has no minor unit in practice). */
export function formatMoney(profile: CountryProfile, amount: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: profile.currency.code,
    minimumFractionDigits: profile.currency.minorUnits,
    maximumFractionDigits: profile.currency.minorUnits,
  }).format(amount);
}
