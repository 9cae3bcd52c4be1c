import type { DemoData } from '../../../../shared/countries/demo-data/index.ts';
import type { CountryProfile, Region } from '../../../../shared/countries/index.ts';
import { createRandom, type Random } from './prng.ts';

/**
 * The synthetic population, generated household by household and handed out in chunks of rows
 * ready for COPY, so that two million people never sit in memory at once. Everything derives from
 * the seed and a fixed reference date: the same seed gives the same rows on any machine and day.
 */

export const referenceYear = 2026;
const updatedAt = `${referenceYear}-01-01T00:00:00.000Z`;

export const seedColumns = {
  people: [
    'nin',
    'given_names',
    'family_name',
    'sex',
    'birth_date',
    'birth_place',
    'nationality',
    'father_nin',
    'mother_nin',
    'civil_status',
    'spouse_nin',
    'region_code',
    'department_code',
    'locality',
    'address_line',
    'phone',
    'email',
    'death_date',
    'updated_at',
  ],
  vehicles: [
    'plate',
    'vin',
    'make',
    'model',
    'year',
    'colour',
    'category',
    'owner_nin',
    'first_registered',
    'status',
  ],
  driving_licences: ['number', 'holder_nin', 'categories', 'issued_on', 'expires_on', 'status'],
  land_titles: [
    'title_number',
    'region_code',
    'department_code',
    'locality',
    'area_m2',
    'land_use',
    'owner_nin',
    'acquired_on',
    'encumbrances',
  ],
  tax_records: ['taxpayer_nin', 'year', 'tax_id', 'status', 'declared_income', 'tax_due', 'tax_paid'],
  diplomas: ['number', 'holder_nin', 'diploma_type', 'field', 'institution', 'year', 'mention'],
  pension_records: [
    'social_security_number',
    'holder_nin',
    'scheme',
    'employer',
    'affiliated_on',
    'contribution_months',
    'status',
    'monthly_pension',
  ],
} as const;

export type SeedTable = keyof typeof seedColumns;
export type SeedChunk = Record<SeedTable, unknown[][]>;

interface Person {
  nin: string;
  sex: 'male' | 'female';
  age: number;
  givenNames: string;
  familyName: string;
  alive: boolean;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isoDate = (year: number, month: number, day: number) => `${year}-${pad(month, 2)}-${pad(day, 2)}`;
const ascii = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

/** Distinct indexes give distinct numbers: multiplying by a prime coprime with the base is a bijection. */
export function makeNationalId(profile: CountryProfile, index: number, sex: 'male' | 'female'): string {
  const id = profile.nationalId;
  const prefix = id.sexDigit ? (sex === 'male' ? id.sexDigit.male : id.sexDigit.female) : '';
  const width = id.length - prefix.length;
  if (id.pattern.includes('A-Z')) {
    const space = 36 ** width;
    return ((index * 1_000_003 + 98_765) % space).toString(36).toUpperCase().padStart(width, '0');
  }
  return `${prefix}${pad((index * 1_000_003 + 271_828_182) % 10 ** width, width)}`;
}

export interface GenerateOptions {
  profile: CountryProfile;
  demo: DemoData;
  people: number;
  seed: string;
  chunkSize?: number;
}

export function* generatePopulation(
  options: GenerateOptions,
): Generator<{ chunk: SeedChunk; done: number; demoCitizens: string[] }> {
  const { profile, demo, people: total } = options;
  const chunkSize = options.chunkSize ?? 10_000;
  const rnd: Random = createRandom(`${options.seed}:${profile.code}`);
  const serials = { vehicle: 0, licence: 0, title: 0, tax: 0, diploma: 0, pension: 0 };
  const demoCitizens: string[] = [];
  let index = 0;
  let chunk = emptyChunk();
  let household = 0;

  const birthDate = (age: number) => isoDate(referenceYear - 1 - age, rnd.int(1, 12), rnd.int(1, 28));
  const phone = () => {
    const p = profile.phone;
    const prefix = rnd.pick(p.mobilePrefixes);
    return `+${p.countryCallingCode}${prefix}${pad(rnd.int(0, 10 ** (p.nationalNumberLength - prefix.length) - 1), p.nationalNumberLength - prefix.length)}`;
  };
  const familyNameFor = (stem: string, sex: 'male' | 'female') =>
    sex === 'female' && demo.feminineFamilyName ? demo.feminineFamilyName(stem) : stem;

  while (index < total) {
    const region: Region = rnd.weighted(profile.regions, (r) => r.populationShare);
    const department = rnd.pick(region.departments);
    const locality = rnd.pick(demo.localities[department.code] ?? [department.name]);
    const address = `${rnd.int(1, 250)} ${rnd.pick(demo.streets)}, ${locality}`;
    const birthRegion = rnd.chance(0.8) ? region : rnd.weighted(profile.regions, (r) => r.populationShare);
    const birthPlace = rnd.pick(birthRegion.departments).name;
    const home = { region, department, locality, address, birthPlace };

    const members: Array<
      Person & { father?: string; mother?: string; spouse?: string; civil: string; death?: string }
    > = [];
    const newPerson = (sex: 'male' | 'female', age: number, familyStem: string): Person => {
      const nin = makeNationalId(profile, index++, sex);
      const names = sex === 'male' ? demo.maleGivenNames : demo.femaleGivenNames;
      const givenNames = rnd.chance(0.15) ? `${rnd.pick(names)} ${rnd.pick(names)}` : rnd.pick(names);
      return { nin, sex, age, givenNames, familyName: familyNameFor(familyStem, sex), alive: true };
    };

    // The first household is a family with children: its members are the demo citizens.
    // A couple needs two places: with one left, the last household is a single adult (exact --people).
    const single = (household > 0 && rnd.chance(0.14)) || total - index < 2;
    if (single) {
      const sex = rnd.chance(0.5) ? 'male' : 'female';
      const age = rnd.int(18, 85);
      const civil = age > 60 && rnd.chance(0.4) ? 'widowed' : rnd.chance(0.15) ? 'divorced' : 'single';
      members.push({ ...newPerson(sex, age, rnd.pick(demo.familyNames)), civil });
    } else {
      const fatherAge = rnd.int(24, 75);
      const motherAge = Math.max(18, Math.min(70, fatherAge - rnd.int(0, 12)));
      const fatherStem = rnd.pick(demo.familyNames);
      const father = newPerson('male', fatherAge, fatherStem);
      // In Senegal a married woman keeps her own family name in the civil registry.
      const mother = newPerson('female', motherAge, rnd.pick(demo.familyNames));
      const widowed = fatherAge > 62 && rnd.chance(0.3);
      const fatherRow = {
        ...father,
        civil: 'married',
        spouse: mother.nin,
        alive: !widowed,
        ...(widowed ? { death: isoDate(referenceYear - rnd.int(1, 8), rnd.int(1, 12), rnd.int(1, 28)) } : {}),
      };
      members.push(fatherRow, { ...mother, civil: widowed ? 'widowed' : 'married', spouse: father.nin });
      const maxChildAge = Math.min(motherAge, fatherAge) - 17;
      const children =
        household === 0 ? 3 : maxChildAge > 0 ? rnd.int(0, Math.min(7, Math.ceil(maxChildAge / 3))) : 0;
      for (let k = 0; k < children && index < total; k++) {
        const age = rnd.int(0, Math.max(0, Math.min(maxChildAge, 40)));
        const sex = rnd.chance(0.5) ? 'male' : 'female';
        const child = newPerson(sex, household === 0 ? [19, 16, 8][k]! : age, fatherStem);
        members.push({ ...child, father: father.nin, mother: mother.nin, civil: 'single' });
      }
    }
    if (household === 0) demoCitizens.push(...members.map((m) => m.nin));
    household++;

    for (const m of members) {
      const adult = m.age >= 18;
      const email =
        adult && rnd.chance(0.25)
          ? `${ascii(m.givenNames.split(' ')[0]!)}.${ascii(m.familyName)}${rnd.int(1, 99)}@${rnd.pick(demo.emailDomains)}`
          : null;
      chunk.people.push([
        m.nin,
        m.givenNames,
        m.familyName,
        m.sex,
        birthDate(m.age),
        home.birthPlace,
        profile.code,
        m.father ?? null,
        m.mother ?? null,
        m.civil,
        m.spouse ?? null,
        home.region.code,
        home.department.code,
        home.locality,
        home.address,
        adult && rnd.chance(0.85) ? phone() : null,
        email,
        m.death ?? null,
        updatedAt,
      ]);
      if (!m.alive) continue;
      addRecords(m, home);
    }

    if (chunk.people.length >= chunkSize || index >= total) {
      yield { chunk, done: index, demoCitizens };
      chunk = emptyChunk();
    }
  }

  function addRecords(m: Person, home: { region: Region; department: { code: string }; locality: string }) {
    const { age, nin } = m;
    if (age >= 25 && rnd.chance(0.08)) {
      const v = rnd.pick(demo.vehicles);
      const serial = serials.vehicle++;
      const year = rnd.int(Math.max(1995, referenceYear - 30), referenceYear - 1);
      chunk.vehicles.push([
        demo.plate(home.region.plateCode, serial),
        `JKO${pad(serial, 14)}`,
        v.make,
        v.model,
        year,
        rnd.pick(demo.colours),
        v.category,
        nin,
        isoDate(Math.max(year, referenceYear - age + 18), rnd.int(1, 12), rnd.int(1, 28)),
        rnd.chance(0.01) ? 'stolen' : 'registered',
      ]);
    }
    if (age >= 18 && rnd.chance(0.15)) {
      const serial = serials.licence++;
      const issuedYear = rnd.int(referenceYear - Math.min(age - 18, 14), referenceYear - 1);
      const expires = issuedYear + 10;
      chunk.driving_licences.push([
        `${profile.code}-DL-${pad(serial, 9)}`,
        nin,
        rnd.chance(0.2) ? ['A', 'B'] : rnd.chance(0.05) ? ['B', 'C', 'D'] : ['B'],
        isoDate(issuedYear, rnd.int(1, 12), rnd.int(1, 28)),
        isoDate(expires, rnd.int(1, 12), rnd.int(1, 28)),
        expires < referenceYear ? 'expired' : rnd.chance(0.02) ? 'suspended' : 'valid',
      ]);
    }
    if (age >= 30 && rnd.chance(0.07)) {
      const serial = serials.title++;
      chunk.land_titles.push([
        `TF ${serial + 1}/${home.region.plateCode}`,
        home.region.code,
        home.department.code,
        home.locality,
        rnd.int(150, 5000),
        rnd.pick(demo.landUses),
        nin,
        isoDate(rnd.int(referenceYear - (age - 25), referenceYear - 1), rnd.int(1, 12), rnd.int(1, 28)),
        rnd.chance(0.12)
          ? `Hypothèque ${rnd.pick(demo.organisations.filter((o) => o.kind === 'bank')).shortName}`
          : null,
      ]);
    }
    const working = age >= 22 && age <= 62 && rnd.chance(0.45);
    if (working) {
      const serial = serials.tax++;
      const income = Math.round((600_000 * Math.exp(rnd.next() * 3.9)) / 1000) * 1000;
      const exempt = income < 900_000 && rnd.chance(0.5);
      for (let y = referenceYear - 3; y < referenceYear; y++) {
        const due = exempt ? 0 : Math.round((income * (0.1 + rnd.next() * 0.1)) / 100) * 100;
        const arrears = !exempt && rnd.chance(0.1);
        chunk.tax_records.push([
          nin,
          y,
          `${profile.code}T${pad(serial, 9)}`,
          exempt ? 'exempt' : arrears ? 'arrears' : 'up_to_date',
          income,
          due,
          arrears ? Math.round(due * rnd.next()) : due,
        ]);
      }
    }
    for (const d of demo.diplomas) {
      // Each diploma needs the one before it: the shares are conditional on holding the previous one.
      const share =
        d.level === 'school'
          ? d.minAge <= 12
            ? 0.7
            : 0.6
          : d.minAge <= 22
            ? 0.45
            : d.minAge <= 24
              ? 0.4
              : 0.15;
      if (age < d.minAge || !rnd.chance(share)) break;
      const serial = serials.diploma++;
      const institution = rnd.pick(
        d.level === 'school' ? demo.institutions.school : demo.institutions.university,
      );
      chunk.diplomas.push([
        `${profile.code}-DIP-${pad(serial, 10)}`,
        nin,
        d.type,
        rnd.pick(d.fields),
        institution,
        Math.min(referenceYear - 1, referenceYear - 1 - age + d.minAge + rnd.int(0, 2)),
        rnd.chance(0.3) ? rnd.pick(['Passable', 'Assez bien', 'Bien', 'Très bien']) : null,
      ]);
    }
    if (age >= 22 && (working || age >= 60) && rnd.chance(0.5)) {
      const serial = serials.pension++;
      const publicSector = rnd.chance(0.2);
      const scheme = publicSector ? demo.pensionSchemes.public : demo.pensionSchemes.private;
      const affiliatedAge = rnd.int(20, Math.min(age, 40));
      const retired = age >= 60;
      const months = Math.min(age, 60) * 12 - affiliatedAge * 12 - rnd.int(0, 24);
      chunk.pension_records.push([
        `${scheme}-${pad(serial, 9)}`,
        nin,
        scheme,
        rnd.pick(demo.employers),
        isoDate(referenceYear - 1 - age + affiliatedAge, rnd.int(1, 12), rnd.int(1, 28)),
        Math.max(0, months),
        retired ? 'retired' : 'active',
        retired ? Math.round((40_000 + rnd.next() * 360_000) / 100) * 100 : null,
      ]);
    }
  }
}

function emptyChunk(): SeedChunk {
  return {
    people: [],
    vehicles: [],
    driving_licences: [],
    land_titles: [],
    tax_records: [],
    diplomas: [],
    pension_records: [],
  };
}
