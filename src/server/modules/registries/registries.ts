import type { CountryProfile } from '../../../shared/countries/index.ts';
import { validateNationalId } from '../../../shared/countries/index.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { conflict, invalidInput, notFound } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import { canReadPerson, canReadRegistries, canWriteRegistries } from './policies.ts';
import {
  countRegistries,
  findOrganisation,
  findOrganisations,
  findPeople,
  findPerson,
  findRelatives,
  type PersonRow,
  type RecordKind,
  recordQueries,
} from './registries.repo.ts';

export interface RegistriesDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
}

export interface Person {
  nin: string;
  givenNames: string;
  familyName: string;
  sex: string;
  birthDate: string;
  birthPlace: string;
  nationality: string;
  fatherNin: string | null;
  motherNin: string | null;
  civilStatus: string;
  spouseNin: string | null;
  address: { regionCode: string; departmentCode: string; locality: string; line: string };
  phone: string | null;
  email: string | null;
  deathDate: string | null;
}

const toPerson = (r: PersonRow): Person => ({
  nin: r.nin,
  givenNames: r.givenNames,
  familyName: r.familyName,
  sex: r.sex,
  birthDate: r.birthDate,
  birthPlace: r.birthPlace,
  nationality: r.nationality,
  fatherNin: r.fatherNin,
  motherNin: r.motherNin,
  civilStatus: r.civilStatus,
  spouseNin: r.spouseNin,
  address: {
    regionCode: r.regionCode,
    departmentCode: r.departmentCode,
    locality: r.locality,
    line: r.addressLine,
  },
  phone: r.phone,
  email: r.email,
  deathDate: r.deathDate,
});

function checkedNin(country: CountryProfile, nin: string): string {
  const result = validateNationalId(country, nin);
  if (!result.ok) {
    throw invalidInput('params', '/nin', result.reason);
  }
  return result.normalized;
}

async function recordRead(
  deps: RegistriesDeps,
  actor: Actor,
  action: string,
  nin: string,
  origin?: RequestOrigin,
  outcome: 'success' | 'failure' = 'success',
) {
  await deps.audit.record({
    actor,
    action,
    subject: { kind: 'person', id: nin },
    outcome,
    ...(origin ? { origin } : {}),
  });
}

async function requirePerson(
  deps: RegistriesDeps,
  actor: Actor,
  nin: string,
  action: string,
  origin?: RequestOrigin,
) {
  const row = await findPerson(deps.database.db, nin);
  if (!row) {
    await recordRead(deps, actor, action, nin, origin, 'failure');
    throw notFound(`No person with ${deps.country.nationalId.name} ${nin}`);
  }
  return row;
}

export async function getPerson(
  deps: RegistriesDeps,
  actor: Actor,
  nin: string,
  origin?: RequestOrigin,
): Promise<Person> {
  const id = checkedNin(deps.country, nin);
  authorize(actor, canReadPerson, id, 'read this person');
  const row = await requirePerson(deps, actor, id, 'registries.person.read', origin);
  await recordRead(deps, actor, 'registries.person.read', id, origin);
  return toPerson(row);
}

export async function listPeople(
  deps: RegistriesDeps,
  actor: Actor,
  filter: { region?: string; familyName?: string; after?: string; limit: number },
  origin?: RequestOrigin,
): Promise<{ people: Person[]; next: string | null }> {
  authorize(actor, canReadRegistries, undefined, 'read the registries');
  const rows = await findPeople(deps.database.db, filter);
  await deps.audit.record({
    actor,
    action: 'registries.people.listed',
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { filter, returned: rows.length, nins: rows.map((r) => r.nin) },
  });
  return { people: rows.map(toPerson), next: rows.length === filter.limit ? rows.at(-1)!.nin : null };
}

export interface Family {
  person: Person;
  father: Person | null;
  mother: Person | null;
  spouse: Person | null;
  children: Person[];
}

export async function getFamily(
  deps: RegistriesDeps,
  actor: Actor,
  nin: string,
  origin?: RequestOrigin,
): Promise<Family> {
  authorize(actor, canReadRegistries, undefined, 'read the registries');
  const id = checkedNin(deps.country, nin);
  const row = await requirePerson(deps, actor, id, 'registries.family.read', origin);
  const relatives = await findRelatives(deps.database.db, row);
  const byNin = (x: string | null) => (x ? (relatives.find((r) => r.nin === x) ?? null) : null);
  const maybe = (r: PersonRow | null) => (r ? toPerson(r) : null);
  await recordRead(deps, actor, 'registries.family.read', id, origin);
  return {
    person: toPerson(row),
    father: maybe(byNin(row.fatherNin)),
    mother: maybe(byNin(row.motherNin)),
    spouse: maybe(byNin(row.spouseNin)),
    children: relatives.filter((r) => r.fatherNin === id || r.motherNin === id).map(toPerson),
  };
}

export async function listRecords<K extends RecordKind>(
  deps: RegistriesDeps,
  actor: Actor,
  kind: K,
  nin: string,
  origin?: RequestOrigin,
): Promise<Awaited<ReturnType<(typeof recordQueries)[K]>>> {
  authorize(actor, canReadRegistries, undefined, 'read the registries');
  const id = checkedNin(deps.country, nin);
  const action = `registries.${kind}.read`;
  await requirePerson(deps, actor, id, action, origin);
  const rows = (await recordQueries[kind](deps.database.db, id)) as Awaited<
    ReturnType<(typeof recordQueries)[K]>
  >;
  await recordRead(deps, actor, action, id, origin);
  return rows;
}

export async function getOrganisation(deps: RegistriesDeps, actor: Actor, idOrIdentifier: string) {
  authorize(actor, canReadRegistries, undefined, 'read the registries');
  const row = await findOrganisation(deps.database.db, idOrIdentifier);
  if (!row) throw notFound(`No organisation ${idOrIdentifier}`);
  return row;
}

export async function listOrganisations(deps: RegistriesDeps, actor: Actor, kind?: string) {
  authorize(actor, canReadRegistries, undefined, 'read the registries');
  return findOrganisations(deps.database.db, kind);
}

export async function registryStats(deps: RegistriesDeps, actor: Actor) {
  authorize(actor, canReadRegistries, undefined, 'read the registries');
  return countRegistries(deps.database.db);
}

export interface MyRecords {
  registry: RecordKind;
  owner: { identifier: string; name: string };
  records: Array<Record<string, unknown>>;
}

/**
 * Everything the registries hold about the citizen themself, grouped by registry with the
 * administration that owns it: what "My data" shows. One audit record for the whole read.
 */
export async function listMyRecords(
  deps: RegistriesDeps,
  actor: Actor,
  nin: string,
  origin?: RequestOrigin,
): Promise<MyRecords[]> {
  const id = checkedNin(deps.country, nin);
  authorize(actor, canReadPerson, id, 'read these records');
  await requirePerson(deps, actor, id, 'registries.records.read', origin);
  const owners = await deps.database.query<{ code: string; identifier: string; name: string }>(
    'SELECT r.code, o.identifier, o.name FROM registries r JOIN organisations o ON o.id = r.owner_id',
  );
  const groups: MyRecords[] = [];
  for (const kind of Object.keys(recordQueries) as RecordKind[]) {
    const owner = owners.find((o) => o.code === kind);
    const rows = (await recordQueries[kind](deps.database.db, id)) as Array<Record<string, unknown>>;
    if (owner && rows.length)
      groups.push({
        registry: kind,
        owner: { identifier: owner.identifier, name: owner.name },
        records: rows,
      });
  }
  await recordRead(deps, actor, 'registries.records.read', id, origin);
  return groups;
}

/**
 * The owner renews a driving licence: issued today, valid `years` from today, status valid. Set
 * from today rather than added to the old date, so a retried call (a lost answer) changes nothing.
 */
export async function renewDrivingLicence(
  deps: RegistriesDeps,
  actor: Actor,
  nin: string,
  number: string,
  input: { years: number; today: string },
  origin?: RequestOrigin,
) {
  authorize(actor, canWriteRegistries, undefined, 'change the registries');
  const id = checkedNin(deps.country, nin);
  const rows = await deps.database.query<{
    number: string;
    holder_nin: string;
    categories: string[];
    issued_on: string;
    expires_on: string;
    status: string;
  }>(
    `UPDATE driving_licences SET issued_on = $3::date, expires_on = ($3::date + make_interval(years => $4))::date, status = 'valid'
      WHERE number = $1 AND holder_nin = $2 AND status <> 'suspended'
      RETURNING number, holder_nin, categories, to_char(issued_on, 'YYYY-MM-DD') AS issued_on,
                to_char(expires_on, 'YYYY-MM-DD') AS expires_on, status`,
    [number, id, input.today, input.years],
  );
  const row = rows[0];
  await deps.audit.record({
    actor,
    action: 'registries.driving-licences.renewed',
    subject: { kind: 'person', id },
    outcome: row ? 'success' : 'failure',
    details: { licence: number, years: input.years },
    ...(origin ? { origin } : {}),
  });
  if (!row) {
    const [held] = await deps.database.query<{ status: string }>(
      'SELECT status FROM driving_licences WHERE number = $1 AND holder_nin = $2',
      [number, id],
    );
    if (held) throw conflict('this driving licence is suspended: it cannot be renewed');
    throw notFound(`No driving licence ${number} held by this person`);
  }
  return {
    number: row.number,
    holderNin: row.holder_nin,
    categories: row.categories,
    issuedOn: row.issued_on,
    expiresOn: row.expires_on,
    status: row.status,
  };
}
