import { and, asc, count, eq, gt, inArray, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import {
  diplomas,
  drivingLicences,
  landTitles,
  organisations,
  pensionRecords,
  people,
  registries,
  taxRecords,
  vehicles,
} from './schema.ts';

export type PersonRow = typeof people.$inferSelect;

export async function findPerson(db: Db, nin: string): Promise<PersonRow | undefined> {
  const [row] = await db.select().from(people).where(eq(people.nin, nin)).limit(1);
  return row;
}

export async function findPeople(
  db: Db,
  filter: { region?: string; familyName?: string; after?: string; limit: number },
): Promise<PersonRow[]> {
  const conditions: SQL[] = [];
  if (filter.region) conditions.push(eq(people.regionCode, filter.region));
  if (filter.familyName) conditions.push(eq(people.familyName, filter.familyName));
  if (filter.after) conditions.push(gt(people.nin, filter.after));
  return db
    .select()
    .from(people)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(people.nin))
    .limit(filter.limit);
}

export async function findRelatives(db: Db, person: PersonRow): Promise<PersonRow[]> {
  const ids = [person.fatherNin, person.motherNin, person.spouseNin].filter((x): x is string => !!x);
  return db
    .select()
    .from(people)
    .where(
      or(
        ids.length ? inArray(people.nin, ids) : undefined,
        eq(people.fatherNin, person.nin),
        eq(people.motherNin, person.nin),
      ),
    )
    .orderBy(asc(people.birthDate));
}

export const recordQueries = {
  vehicles: (db: Db, nin: string) =>
    db.select().from(vehicles).where(eq(vehicles.ownerNin, nin)).orderBy(asc(vehicles.plate)),
  'driving-licences': (db: Db, nin: string) =>
    db
      .select()
      .from(drivingLicences)
      .where(eq(drivingLicences.holderNin, nin))
      .orderBy(asc(drivingLicences.issuedOn)),
  'land-titles': (db: Db, nin: string) =>
    db.select().from(landTitles).where(eq(landTitles.ownerNin, nin)).orderBy(asc(landTitles.titleNumber)),
  'tax-records': (db: Db, nin: string) =>
    db.select().from(taxRecords).where(eq(taxRecords.taxpayerNin, nin)).orderBy(asc(taxRecords.year)),
  diplomas: (db: Db, nin: string) =>
    db.select().from(diplomas).where(eq(diplomas.holderNin, nin)).orderBy(asc(diplomas.year)),
  'pension-records': (db: Db, nin: string) =>
    db
      .select()
      .from(pensionRecords)
      .where(eq(pensionRecords.holderNin, nin))
      .orderBy(asc(pensionRecords.affiliatedOn)),
} as const;

export type RecordKind = keyof typeof recordQueries;

export async function findOrganisation(db: Db, idOrIdentifier: string) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrIdentifier);
  const [row] = await db
    .select()
    .from(organisations)
    .where(
      isUuid
        ? eq(organisations.id, idOrIdentifier)
        : eq(organisations.identifier, idOrIdentifier.toUpperCase()),
    )
    .limit(1);
  return row;
}

export async function findOrganisations(db: Db, kind?: string) {
  return db
    .select()
    .from(organisations)
    .where(kind ? eq(organisations.kind, kind) : undefined)
    .orderBy(asc(organisations.identifier));
}

const countedTables = {
  people,
  organisations,
  vehicles,
  'driving-licences': drivingLicences,
  'land-titles': landTitles,
  'tax-records': taxRecords,
  diplomas,
  'pension-records': pensionRecords,
};

export async function countRegistries(db: Db) {
  const owners = await db
    .select({ code: registries.code, title: registries.title, owner: organisations.identifier })
    .from(registries)
    .innerJoin(organisations, eq(organisations.id, registries.ownerId))
    .orderBy(asc(registries.code));
  return Promise.all(
    owners.map(async (r) => {
      const table = countedTables[r.code as keyof typeof countedTables];
      const [c] = table ? await db.select({ n: count() }).from(table) : [{ n: 0 }];
      return { ...r, records: Number(c?.n ?? 0) };
    }),
  );
}
