import { randomUUID } from 'node:crypto';
import { getDemoData } from '../../../../shared/countries/demo-data/index.ts';
import type { CountryProfile } from '../../../../shared/countries/index.ts';
import type { Database } from '../../../platform/db/database.ts';
import { generatePopulation, type SeedTable, seedColumns } from './generate.ts';
import { nameUuid } from './prng.ts';

export interface SeedOptions {
  profile: CountryProfile;
  people: number;
  seed: string;
  /** Empty the registries first instead of refusing a database that already has people. */
  reset?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export type SeedSummary = { organisations: number; registries: number } & Record<SeedTable, number>;

const registryTitles: Record<string, string> = {
  people: 'National population register',
  organisations: 'Organisations register',
  vehicles: 'Vehicle register',
  'driving-licences': 'Driving licence register',
  'land-titles': 'Land and property titles',
  'tax-records': 'Tax status',
  diplomas: 'Education diplomas',
  'pension-records': 'Social security and pensions',
};

const allTables = ['seed_runs', 'registries', 'organisations', ...Object.keys(seedColumns)];

export class SeedRefused extends Error {
  override name = 'SeedRefused';
}

/** Creates the deterministic synthetic population of a country profile with COPY, chunk by chunk. */
export async function seedDemoCountry(database: Database, options: SeedOptions): Promise<SeedSummary> {
  const { profile, people, seed } = options;
  const demo = getDemoData(profile.code);
  const [{ n } = { n: 0 }] = await database.query<{ n: string | number }>('SELECT count(*) AS n FROM people');
  if (Number(n) > 0) {
    if (!options.reset) {
      throw new SeedRefused(`the people registry already holds ${n} people; use --reset to replace them`);
    }
    // Organisations stay (other modules refer to them, e.g. bridge members); their ids are
    // deterministic, so the ones already there are simply not inserted again.
    await database.exec(`TRUNCATE ${allTables.filter((t) => t !== 'organisations').join(', ')}`);
  }

  const orgId = (identifier: string) => nameUuid(`${profile.code}:organisation:${identifier}`);
  const organisations = demo.organisations.map((o) => [
    orgId(o.identifier),
    o.identifier,
    o.kind,
    o.name,
    o.shortName,
    o.email,
    o.phone,
    o.website ?? null,
    'active',
    profile.code,
    o.fictional,
  ]);
  const present = new Set(
    (await database.query<{ id: string }>('SELECT id FROM organisations')).map((r) => r.id),
  );
  await database.copyRows(
    'organisations',
    [
      'id',
      'identifier',
      'kind',
      'name',
      'short_name',
      'email',
      'phone',
      'website',
      'status',
      'country',
      'fictional',
    ],
    organisations.filter((o) => !present.has(o[0] as string)),
  );
  const registryRows = Object.entries(demo.registryOwners).map(([code, owner]) => [
    code,
    registryTitles[code] ?? code,
    orgId(owner),
  ]);
  await database.copyRows('registries', ['code', 'title', 'owner_id'], registryRows);

  const summary: SeedSummary = {
    organisations: organisations.length,
    registries: registryRows.length,
    people: 0,
    vehicles: 0,
    driving_licences: 0,
    land_titles: 0,
    tax_records: 0,
    diplomas: 0,
    pension_records: 0,
  };
  let demoCitizens: string[] = [];
  options.onProgress?.(0, people);
  for (const { chunk, done, demoCitizens: dc } of generatePopulation({ profile, demo, people, seed })) {
    demoCitizens = dc;
    for (const table of Object.keys(seedColumns) as SeedTable[]) {
      if (chunk[table].length)
        summary[table] += await database.copyRows(table, seedColumns[table], chunk[table]);
    }
    options.onProgress?.(done, people);
  }
  await database.query(
    'INSERT INTO seed_runs (id, country, seed, people, demo_citizens) VALUES ($1, $2, $3, $4, $5)',
    [randomUUID(), profile.code, seed, summary.people, demoCitizens],
  );
  // Fresh statistics so the first lookups use the indexes at once.
  await database.exec('ANALYZE');
  return summary;
}

export async function isSeeded(database: Database): Promise<boolean> {
  const rows = await database.query('SELECT 1 FROM organisations LIMIT 1');
  return rows.length > 0;
}

export interface DemoCitizen {
  nin: string;
  givenNames: string;
  familyName: string;
  birthDate: string;
}

/** The first household of the latest seed: stable people to try the platform with. */
export async function demoCitizens(database: Database): Promise<DemoCitizen[]> {
  const [run] = await database.query<{ demo_citizens: string[] }>(
    'SELECT demo_citizens FROM seed_runs ORDER BY created_at DESC LIMIT 1',
  );
  if (!run) return [];
  const rows = await database.query<{
    nin: string;
    given_names: string;
    family_name: string;
    birth_date: string;
  }>(
    "SELECT nin, given_names, family_name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date FROM people WHERE nin = ANY($1) ORDER BY birth_date",
    [run.demo_citizens],
  );
  return rows.map((r) => ({
    nin: r.nin,
    givenNames: r.given_names,
    familyName: r.family_name,
    birthDate: r.birth_date,
  }));
}
