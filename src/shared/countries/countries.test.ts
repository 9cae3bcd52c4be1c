import { describe, expect, it } from 'vitest';
import { getDemoData } from './demo-data/index.ts';
import { countryCodes, formatMoney, getCountryProfile, normalizePhone, validateNationalId } from './index.ts';

const sn = getCountryProfile('SN');
const az = getCountryProfile('AZ');

describe('country profiles', () => {
  it('ship Senegal with its 14 regions and Azerbaijan', () => {
    expect(countryCodes).toEqual(['SN', 'AZ']);
    expect(sn.regions.map((r) => r.code).sort()).toEqual([
      'SN-DB',
      'SN-DK',
      'SN-FK',
      'SN-KA',
      'SN-KD',
      'SN-KE',
      'SN-KL',
      'SN-LG',
      'SN-MT',
      'SN-SE',
      'SN-SL',
      'SN-TC',
      'SN-TH',
      'SN-ZG',
    ]);
    expect(sn.languages).toEqual({ default: 'fr', others: ['wo', 'en'] });
    expect(sn.currency.code).toBe('XOF');
    expect(az.currency.code).toBe('AZN');
    for (const p of [sn, az]) {
      for (const r of p.regions) expect(r.departments.length, r.name).toBeGreaterThan(0);
      const share = p.regions.reduce((a, r) => a + r.populationShare, 0);
      expect(share).toBeGreaterThan(0.95);
      expect(share).toBeLessThan(1.05);
    }
  });

  it('name the known profiles for an unknown code', () => {
    expect(() => getCountryProfile('XX')).toThrow(/known profiles: SN, AZ/);
  });
});

describe('national identification numbers', () => {
  it('accept a Senegalese NIN with spaces and give the sex from its first digit', () => {
    expect(validateNationalId(sn, '1 751 1985 01234')).toEqual({
      ok: true,
      normalized: '1751198501234',
      sex: 'male',
    });
    expect(validateNationalId(sn, '2751198501234')).toMatchObject({ ok: true, sex: 'female' });
  });

  it('refuse wrong length, letters and a bad sex digit, saying why', () => {
    expect(validateNationalId(sn, '175119850123')).toEqual({
      ok: false,
      reason: 'a NIN has 13 characters, this one has 12',
    });
    expect(validateNationalId(sn, '17511985O1234')).toMatchObject({ ok: false });
    expect(validateNationalId(sn, '3751198501234')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/format/),
    });
  });

  it('accept an Azerbaijani FIN in any case and refuse other shapes', () => {
    expect(validateNationalId(az, '5abc12d')).toEqual({ ok: true, normalized: '5ABC12D' });
    expect(validateNationalId(az, '5ABC12')).toMatchObject({ ok: false });
    expect(validateNationalId(az, '5ABC-12Ö')).toMatchObject({ ok: false });
  });
});

describe('phone numbers', () => {
  it('normalise local and international Senegalese forms to E.164', () => {
    for (const input of ['77 123 45 67', '+221 77 123 45 67', '00221771234567', '(+221) 77-123-45-67']) {
      expect(normalizePhone(sn, input), input).toEqual({ ok: true, e164: '+221771234567' });
    }
    expect(normalizePhone(sn, '33 821 00 00')).toEqual({ ok: true, e164: '+221338210000' });
  });

  it('refuse a wrong prefix, a wrong length and another country', () => {
    expect(normalizePhone(sn, '79 123 45 67')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/start with/),
    });
    expect(normalizePhone(sn, '+221 77 123 45')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/9 digits/),
    });
    expect(normalizePhone(sn, '+33 6 12 34 56 78')).toMatchObject({
      ok: false,
      reason: 'expected a +221 number',
    });
    expect(normalizePhone(az, '050 123 45 67')).toMatchObject({ ok: false });
    expect(normalizePhone(az, '+994 50 123 45 67')).toEqual({ ok: true, e164: '+994501234567' });
  });
});

describe('money', () => {
  it('formats XOF without minor units and AZN with two', () => {
    expect(formatMoney(sn, 15000, 'fr-SN').replace(/\s/g, ' ')).toMatch(/^15 000 F\s?CFA$/);
    expect(formatMoney(az, 12.5, 'en')).toMatch(/12\.50/);
  });
});

describe('demo data', () => {
  it('has no duplicate names and owners for every registry among its organisations', () => {
    for (const code of countryCodes) {
      const d = getDemoData(code);
      for (const list of [d.maleGivenNames, d.femaleGivenNames, d.familyNames]) {
        expect(new Set(list).size).toBe(list.length);
      }
      const ids = new Set(d.organisations.map((o) => o.identifier));
      for (const owner of Object.values(d.registryOwners))
        expect(ids.has(owner), `${code} ${owner}`).toBe(true);
      expect(d.organisations.filter((o) => o.kind === 'bank').length).toBe(2);
      expect(d.organisations.filter((o) => o.kind === 'startup').length).toBe(1);
    }
  });

  it('names localities only for departments that exist', () => {
    const departments = new Set(sn.regions.flatMap((r) => r.departments.map((d) => d.code)));
    for (const dep of Object.keys(getDemoData('SN').localities)) expect(departments.has(dep), dep).toBe(true);
  });
});
