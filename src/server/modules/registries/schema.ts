import {
  bigint,
  boolean,
  date,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

// Mirrors migrations/*_registries_*.sql; schema.test.ts compares the two so they cannot drift.

export const organisations = pgTable('organisations', {
  id: uuid('id').primaryKey(),
  identifier: text('identifier').notNull(),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  shortName: text('short_name').notNull(),
  email: text('email'),
  phone: text('phone'),
  website: text('website'),
  status: text('status').notNull(),
  country: text('country').notNull(),
  fictional: boolean('fictional').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export const registries = pgTable('registries', {
  code: text('code').primaryKey(),
  title: text('title').notNull(),
  ownerId: uuid('owner_id').notNull(),
});

export const people = pgTable('people', {
  nin: text('nin').primaryKey(),
  givenNames: text('given_names').notNull(),
  familyName: text('family_name').notNull(),
  sex: text('sex').notNull(),
  birthDate: date('birth_date').notNull(),
  birthPlace: text('birth_place').notNull(),
  nationality: text('nationality').notNull(),
  fatherNin: text('father_nin'),
  motherNin: text('mother_nin'),
  civilStatus: text('civil_status').notNull(),
  spouseNin: text('spouse_nin'),
  regionCode: text('region_code').notNull(),
  departmentCode: text('department_code').notNull(),
  locality: text('locality').notNull(),
  addressLine: text('address_line').notNull(),
  phone: text('phone'),
  email: text('email'),
  deathDate: date('death_date'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export const vehicles = pgTable('vehicles', {
  plate: text('plate').primaryKey(),
  vin: text('vin').notNull(),
  make: text('make').notNull(),
  model: text('model').notNull(),
  year: integer('year').notNull(),
  colour: text('colour').notNull(),
  category: text('category').notNull(),
  ownerNin: text('owner_nin').notNull(),
  firstRegistered: date('first_registered').notNull(),
  status: text('status').notNull(),
});

export const drivingLicences = pgTable('driving_licences', {
  number: text('number').primaryKey(),
  holderNin: text('holder_nin').notNull(),
  categories: text('categories').array().notNull(),
  issuedOn: date('issued_on').notNull(),
  expiresOn: date('expires_on').notNull(),
  status: text('status').notNull(),
});

export const landTitles = pgTable('land_titles', {
  titleNumber: text('title_number').primaryKey(),
  regionCode: text('region_code').notNull(),
  departmentCode: text('department_code').notNull(),
  locality: text('locality').notNull(),
  areaM2: integer('area_m2').notNull(),
  landUse: text('land_use').notNull(),
  ownerNin: text('owner_nin').notNull(),
  acquiredOn: date('acquired_on').notNull(),
  encumbrances: text('encumbrances'),
});

export const taxRecords = pgTable(
  'tax_records',
  {
    taxpayerNin: text('taxpayer_nin').notNull(),
    year: integer('year').notNull(),
    taxId: text('tax_id').notNull(),
    status: text('status').notNull(),
    declaredIncome: bigint('declared_income', { mode: 'number' }).notNull(),
    taxDue: bigint('tax_due', { mode: 'number' }).notNull(),
    taxPaid: bigint('tax_paid', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.taxpayerNin, t.year] })],
);

export const diplomas = pgTable('diplomas', {
  number: text('number').primaryKey(),
  holderNin: text('holder_nin').notNull(),
  diplomaType: text('diploma_type').notNull(),
  field: text('field').notNull(),
  institution: text('institution').notNull(),
  year: integer('year').notNull(),
  mention: text('mention'),
});

export const pensionRecords = pgTable('pension_records', {
  socialSecurityNumber: text('social_security_number').primaryKey(),
  holderNin: text('holder_nin').notNull(),
  scheme: text('scheme').notNull(),
  employer: text('employer').notNull(),
  affiliatedOn: date('affiliated_on').notNull(),
  contributionMonths: integer('contribution_months').notNull(),
  status: text('status').notNull(),
  monthlyPension: bigint('monthly_pension', { mode: 'number' }),
});

export const seedRuns = pgTable('seed_runs', {
  id: uuid('id').primaryKey(),
  country: text('country').notNull(),
  seed: text('seed').notNull(),
  people: integer('people').notNull(),
  demoCitizens: text('demo_citizens').array().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export const registryTables = {
  organisations,
  registries,
  people,
  vehicles,
  driving_licences: drivingLicences,
  land_titles: landTitles,
  tax_records: taxRecords,
  diplomas,
  pension_records: pensionRecords,
  seed_runs: seedRuns,
};
