import { createHash } from 'node:crypto';
import { getTableColumns, getTableName } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile, validateNationalId } from '../../../shared/countries/index.ts';
import type { Database } from '../../platform/db/database.ts';
import { createTestDatabase, testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createTestApp, type TestApp } from '../../testing.ts';
import { demoCitizens, isSeeded, seedDemoCountry } from './index.ts';
import { registryTables } from './schema.ts';

const sn = getCountryProfile('SN');

async function peopleDigest(database: Database): Promise<string> {
  const rows = await database.query('SELECT * FROM people ORDER BY nin');
  const others = await database.query(
    'SELECT (SELECT count(*) FROM vehicles) v, (SELECT count(*) FROM diplomas) d, (SELECT count(*) FROM tax_records) t',
  );
  return createHash('sha256')
    .update(JSON.stringify([rows, others]))
    .digest('hex');
}

describe.each(testEngines())('registries on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let citizenKey: string;
  let nins: string[];
  beforeAll(async () => {
    t = await createTestApp(kind);
    expect(await isSeeded(t.db.database)).toBe(false);
    const summary = await seedDemoCountry(t.db.database, { profile: sn, people: 400, seed: 'test' });
    expect(summary.people).toBe(400);
    expect(summary.organisations).toBeGreaterThanOrEqual(13);
    expect(await isSeeded(t.db.database)).toBe(true);
    operator = await t.keyFor({ kind: 'operator', id: 'op-fatou', roles: ['registries:read'] });
    citizenKey = await t.keyFor({ kind: 'citizen', id: 'citizen-1', roles: ['registries:read'] });
    nins = (await t.db.database.query<{ nin: string }>('SELECT nin FROM people ORDER BY nin')).map(
      (r) => r.nin,
    );
  });
  afterAll(async () => t.dispose());

  const get = (url: string, key = operator) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  it('creates a coherent population: valid unique NINs, real regions, parents older than children', async () => {
    expect(new Set(nins).size).toBe(400);
    for (const nin of nins) expect(validateNationalId(sn, nin).ok, nin).toBe(true);
    const rows = await t.db.database.query<{
      nin: string;
      sex: string;
      region_code: string;
      department_code: string;
      father_nin: string | null;
      mother_nin: string | null;
      birth_date: string;
      phone: string | null;
    }>(
      "SELECT nin, sex, region_code, department_code, father_nin, mother_nin, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, phone FROM people",
    );
    const byNin = new Map(rows.map((r) => [r.nin, r]));
    let children = 0;
    for (const r of rows) {
      const region = sn.regions.find((x) => x.code === r.region_code);
      expect(region, r.region_code).toBeDefined();
      expect(region!.departments.some((d) => d.code === r.department_code)).toBe(true);
      expect(validateNationalId(sn, r.nin)).toMatchObject({ sex: r.sex });
      if (r.phone) expect(r.phone).toMatch(/^\+2217[0-8]\d{7}$/);
      for (const parent of [r.father_nin, r.mother_nin]) {
        if (!parent) continue;
        children++;
        const p = byNin.get(parent);
        expect(p, `parent ${parent} of ${r.nin}`).toBeDefined();
        const gap = Number(r.birth_date.slice(0, 4)) - Number(p!.birth_date.slice(0, 4));
        expect(gap).toBeGreaterThanOrEqual(15);
      }
    }
    expect(children).toBeGreaterThan(100);
    const sexes = rows.filter((r) => r.father_nin).map((r) => byNin.get(r.father_nin!)!.sex);
    expect(new Set(sexes)).toEqual(new Set(['male']));
  });

  it('names the first household as demo citizens', async () => {
    const demo = await demoCitizens(t.db.database);
    expect(demo.length).toBe(5);
    expect(demo.every((d) => nins.includes(d.nin))).toBe(true);
  });

  it('refuses to seed a second time unless asked to reset', async () => {
    await expect(seedDemoCountry(t.db.database, { profile: sn, people: 10, seed: 'x' })).rejects.toThrow(
      /--reset/,
    );
  });

  it('serves a person to an operator and records the read in the audit log', async () => {
    const nin = nins[7]!;
    const res = await get(`/v1/registries/people/${nin}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      nin,
      nationality: 'SN',
      address: { regionCode: expect.stringMatching(/^SN-/) },
    });
    const [entry] = await t.db.database.query<{ actor_id: string; outcome: string; request_id: string }>(
      "SELECT actor_id, outcome, request_id FROM audit_log WHERE action = 'registries.person.read' AND subject_id = $1",
      [nin],
    );
    expect(entry).toEqual({
      actor_id: 'op-fatou',
      outcome: 'success',
      request_id: res.headers['x-request-id'],
    });
  });

  it('refuses a citizen (403), an unknown NIN (404) and a malformed NIN (400) with problems', async () => {
    const denied = await get(`/v1/registries/people/${nins[0]}`, citizenKey);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().type).toBe(problemType('forbidden'));
    const noRole = await get(
      `/v1/registries/people/${nins[0]}`,
      await t.keyFor({ kind: 'operator', roles: [] }),
    );
    expect(noRole.statusCode).toBe(403);
    const unknown = await get('/v1/registries/people/1000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().type).toBe(problemType('not-found'));
    const bad = await get('/v1/registries/people/12345');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      type: problemType('validation-failed'),
      errors: [{ in: 'params', pointer: '/nin' }],
    });
    const anonymous = await t.app.inject({ method: 'GET', url: `/v1/registries/people/${nins[0]}` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('links a family both ways', async () => {
    const [child] = await t.db.database.query<{ nin: string; father_nin: string; mother_nin: string }>(
      'SELECT nin, father_nin, mother_nin FROM people WHERE father_nin IS NOT NULL ORDER BY nin LIMIT 1',
    );
    const family = (await get(`/v1/registries/people/${child!.nin}/family`)).json();
    expect(family.father.nin).toBe(child!.father_nin);
    expect(family.mother.nin).toBe(child!.mother_nin);
    const fathers = (await get(`/v1/registries/people/${child!.father_nin}/family`)).json();
    expect(fathers.children.map((c: { nin: string }) => c.nin)).toContain(child!.nin);
    expect(fathers.spouse.nin).toBe(child!.mother_nin);
  });

  it('serves every sectoral registry of a person', async () => {
    for (const [kind, table, column] of [
      ['vehicles', 'vehicles', 'owner_nin'],
      ['driving-licences', 'driving_licences', 'holder_nin'],
      ['land-titles', 'land_titles', 'owner_nin'],
      ['tax-records', 'tax_records', 'taxpayer_nin'],
      ['diplomas', 'diplomas', 'holder_nin'],
      ['pension-records', 'pension_records', 'holder_nin'],
    ] as const) {
      const [owner] = await t.db.database.query<{ nin: string; n: string }>(
        `SELECT ${column} AS nin, count(*) AS n FROM ${table} GROUP BY ${column} ORDER BY ${column} LIMIT 1`,
      );
      expect(owner, kind).toBeDefined();
      const res = await get(`/v1/registries/people/${owner!.nin}/${kind}`);
      expect(res.statusCode, kind).toBe(200);
      expect(res.json().records.length, kind).toBe(Number(owner!.n));
    }
  });

  it('pages through people by NIN and filters by region', async () => {
    const first = (await get('/v1/registries/people?limit=150')).json();
    expect(first.people.length).toBe(150);
    const second = (await get(`/v1/registries/people?limit=150&after=${first.next}`)).json();
    expect(second.people[0].nin > first.next).toBe(true);
    const dakar = (await get('/v1/registries/people?region=SN-DK&limit=200')).json();
    expect(dakar.people.length).toBeGreaterThan(0);
    expect(
      dakar.people.every((p: { address: { regionCode: string } }) => p.address.regionCode === 'SN-DK'),
    ).toBe(true);
    const bad = await get('/v1/registries/people?limit=1000');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ in: 'querystring', pointer: '/limit' });
  });

  it('lists registries with their owners, and organisations by kind or identifier', async () => {
    const registries = (await get('/v1/registries')).json().registries;
    expect(registries.find((r: { code: string }) => r.code === 'people')).toEqual({
      code: 'people',
      title: 'National population register',
      owner: 'DAF',
      records: 400,
    });
    const banks = (await get('/v1/registries/organisations?kind=bank')).json().organisations;
    expect(banks.map((b: { identifier: string }) => b.identifier).sort()).toEqual(['BAOBAB', 'BTERANGA']);
    expect((await get('/v1/registries/organisations/dgid')).json().kind).toBe('administration');
    expect((await get('/v1/registries/organisations/NOPE')).statusCode).toBe(404);
  });

  it('keeps the Drizzle schema identical to the SQL migrations', async () => {
    for (const table of Object.values(registryTables)) {
      const name = getTableName(table);
      const cols = await t.db.database.query<{ column_name: string; is_nullable: string }>(
        'SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name',
        [name],
      );
      const drizzleCols = Object.values(getTableColumns(table))
        .map((c) => ({ column_name: c.name, is_nullable: c.notNull ? 'NO' : 'YES' }))
        .sort((a, b) => a.column_name.localeCompare(b.column_name));
      expect(cols, name).toEqual(drizzleCols);
    }
  });
});

describe('the demo population', () => {
  it('is the same for the same seed and differs for another seed', async () => {
    const dbs = await Promise.all([0, 1, 2].map(() => createTestDatabase('pglite')));
    try {
      await seedDemoCountry(dbs[0]!.database, { profile: sn, people: 300, seed: 'alpha' });
      await seedDemoCountry(dbs[1]!.database, { profile: sn, people: 300, seed: 'alpha' });
      await seedDemoCountry(dbs[2]!.database, { profile: sn, people: 300, seed: 'beta' });
      const [a, b, c] = await Promise.all(dbs.map((d) => peopleDigest(d.database)));
      expect(a).toBe(b);
      expect(a).not.toBe(c);
    } finally {
      await Promise.all(dbs.map((d) => d.dispose()));
    }
  });

  it('works for Azerbaijan with FINs and feminine surnames', async () => {
    const az = getCountryProfile('AZ');
    const t = await createTestDatabase('pglite');
    try {
      const summary = await seedDemoCountry(t.database, { profile: az, people: 200, seed: 'az' });
      expect(summary.people).toBe(200);
      const rows = await t.database.query<{
        nin: string;
        sex: string;
        family_name: string;
        phone: string | null;
      }>('SELECT nin, sex, family_name, phone FROM people');
      for (const r of rows) {
        expect(validateNationalId(az, r.nin).ok, r.nin).toBe(true);
        if (r.phone) expect(r.phone).toMatch(/^\+994\d{9}$/);
      }
      expect(rows.some((r) => r.sex === 'female' && /ova$|yeva$/.test(r.family_name))).toBe(true);
      const orgs = await t.database.query<{ identifier: string }>(
        "SELECT identifier FROM organisations WHERE kind = 'bank'",
      );
      expect(orgs.length).toBe(2);
    } finally {
      await t.dispose();
    }
  });
});

describe('population size', () => {
  it('is exactly what was asked for, whatever the last household would have been', async () => {
    const t = await createTestDatabase('pglite');
    try {
      for (const people of [1, 2, 37, 101]) {
        const summary = await seedDemoCountry(t.database, {
          profile: sn,
          people,
          seed: `size-${people}`,
          reset: true,
        });
        expect(summary.people, String(people)).toBe(people);
      }
    } finally {
      await t.dispose();
    }
  });
});
