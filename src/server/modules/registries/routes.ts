import type { FastifyInstance } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import { originOf, requireActor } from '../../platform/http/route-access.ts';
import type { RecordKind } from './registries.repo.ts';
import {
  getFamily,
  getOrganisation,
  getPerson,
  listOrganisations,
  listPeople,
  listRecords,
  type RegistriesDeps,
  registryStats,
  renewDrivingLicence,
} from './registries.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateString = Type.String({ format: 'date' });

const Person = Type.Object(
  {
    nin: Type.String(),
    givenNames: Type.String(),
    familyName: Type.String(),
    sex: Type.Union([Type.Literal('male'), Type.Literal('female')]),
    birthDate: DateString,
    birthPlace: Type.String(),
    nationality: Type.String(),
    fatherNin: Nullable(Type.String()),
    motherNin: Nullable(Type.String()),
    civilStatus: Type.String(),
    spouseNin: Nullable(Type.String()),
    address: Type.Object({
      regionCode: Type.String(),
      departmentCode: Type.String(),
      locality: Type.String(),
      line: Type.String(),
    }),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
    deathDate: Nullable(DateString),
  },
  { $id: 'Person' },
);
const PersonRef = Type.Unsafe<Static<typeof Person>>(Type.Ref('Person'));

const recordSchemas: Record<RecordKind, TSchema> = {
  vehicles: Type.Object({
    plate: Type.String(),
    vin: Type.String(),
    make: Type.String(),
    model: Type.String(),
    year: Type.Integer(),
    colour: Type.String(),
    category: Type.String(),
    ownerNin: Type.String(),
    firstRegistered: DateString,
    status: Type.String(),
  }),
  'driving-licences': Type.Object({
    number: Type.String(),
    holderNin: Type.String(),
    categories: Type.Array(Type.String()),
    issuedOn: DateString,
    expiresOn: DateString,
    status: Type.String(),
  }),
  'land-titles': Type.Object({
    titleNumber: Type.String(),
    regionCode: Type.String(),
    departmentCode: Type.String(),
    locality: Type.String(),
    areaM2: Type.Integer(),
    landUse: Type.String(),
    ownerNin: Type.String(),
    acquiredOn: DateString,
    encumbrances: Nullable(Type.String()),
  }),
  'tax-records': Type.Object({
    taxpayerNin: Type.String(),
    year: Type.Integer(),
    taxId: Type.String(),
    status: Type.String(),
    declaredIncome: Type.Integer(),
    taxDue: Type.Integer(),
    taxPaid: Type.Integer(),
  }),
  diplomas: Type.Object({
    number: Type.String(),
    holderNin: Type.String(),
    diplomaType: Type.String(),
    field: Type.String(),
    institution: Type.String(),
    year: Type.Integer(),
    mention: Nullable(Type.String()),
  }),
  'pension-records': Type.Object({
    socialSecurityNumber: Type.String(),
    holderNin: Type.String(),
    scheme: Type.String(),
    employer: Type.String(),
    affiliatedOn: DateString,
    contributionMonths: Type.Integer(),
    status: Type.String(),
    monthlyPension: Nullable(Type.Integer()),
  }),
};

const recordTitles: Record<RecordKind, [string, string]> = {
  vehicles: ['Vehicles registered to a person', 'listPersonVehicles'],
  'driving-licences': ["A person's driving licences", 'listPersonDrivingLicences'],
  'land-titles': ['Land titles owned by a person', 'listPersonLandTitles'],
  'tax-records': ["A person's tax status by year", 'listPersonTaxRecords'],
  diplomas: ["A person's diplomas", 'listPersonDiplomas'],
  'pension-records': ["A person's social-security and pension records", 'listPersonPensionRecords'],
};

const Organisation = Type.Object({
  id: Type.String({ format: 'uuid' }),
  identifier: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  shortName: Type.String(),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  website: Nullable(Type.String()),
  status: Type.String(),
  country: Type.String(),
  fictional: Type.Boolean(),
  createdAt: Type.String(),
});

const NinParams = Type.Object({ nin: Type.String({ minLength: 1, maxLength: 32 }) });
const PeopleQuery = Type.Object(
  {
    region: Type.Optional(Type.String({ maxLength: 16, description: 'ISO 3166-2 region code, e.g. SN-DK' })),
    familyName: Type.Optional(Type.String({ maxLength: 100 })),
    after: Type.Optional(
      Type.String({ maxLength: 32, description: 'Cursor: the last NIN of the previous page' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export async function registriesRoutes(app: FastifyInstance, opts: { ctx: RegistriesDeps }): Promise<void> {
  const { ctx } = opts;
  app.addSchema(Person);
  const common = {
    config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['registries:read'] },
  } as const;
  const tags = ['registries'];

  app.get(
    '/registries',
    {
      ...common,
      schema: {
        tags,
        summary: 'Registries, their owners and record counts',
        operationId: 'listRegistries',
        response: {
          200: Type.Object({
            registries: Type.Array(
              Type.Object({
                code: Type.String(),
                title: Type.String(),
                owner: Type.String(),
                records: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({ registries: await registryStats(ctx, requireActor(request)) }),
  );

  app.get(
    '/registries/people',
    {
      ...common,
      schema: {
        tags,
        summary: 'List people (keyset pagination by NIN)',
        operationId: 'listPeople',
        querystring: PeopleQuery,
        response: { 200: Type.Object({ people: Type.Array(PersonRef), next: Nullable(Type.String()) }) },
      },
    },
    async (request) =>
      listPeople(ctx, requireActor(request), request.query as Static<typeof PeopleQuery>, originOf(request)),
  );

  app.get(
    '/registries/people/:nin',
    {
      config: { access: 'authenticated', audience: ['citizen', 'operator', 'system'] },
      schema: {
        tags,
        summary: 'A person from the population register',
        operationId: 'getPerson',
        params: NinParams,
        response: { 200: PersonRef },
      },
    },
    async (request) =>
      getPerson(
        ctx,
        requireActor(request),
        (request.params as Static<typeof NinParams>).nin,
        originOf(request),
      ),
  );

  app.get(
    '/registries/people/:nin/family',
    {
      ...common,
      schema: {
        tags,
        summary: "A person's parents, spouse and children",
        operationId: 'getPersonFamily',
        params: NinParams,
        response: {
          200: Type.Object({
            person: PersonRef,
            father: Nullable(PersonRef),
            mother: Nullable(PersonRef),
            spouse: Nullable(PersonRef),
            children: Type.Array(PersonRef),
          }),
        },
      },
    },
    async (request) =>
      getFamily(
        ctx,
        requireActor(request),
        (request.params as Static<typeof NinParams>).nin,
        originOf(request),
      ),
  );

  for (const kind of Object.keys(recordSchemas) as RecordKind[]) {
    const [summary, operationId] = recordTitles[kind];
    app.get(
      `/registries/people/:nin/${kind}`,
      {
        ...common,
        schema: {
          tags,
          summary,
          operationId,
          params: NinParams,
          response: { 200: Type.Object({ records: Type.Array(recordSchemas[kind]) }) },
        },
      },
      async (request) => ({
        records: await listRecords(
          ctx,
          requireActor(request),
          kind,
          (request.params as Static<typeof NinParams>).nin,
          originOf(request),
        ),
      }),
    );
  }

  app.post(
    '/registries/people/:nin/driving-licences/:number/renewal',
    {
      config: { access: 'authenticated', audience: ['operator', 'system'], roles: ['registries:write'] },
      schema: {
        tags,
        summary: 'Renew a driving licence (the owner, DTTR, through the bridge): issued today, valid N years',
        operationId: 'renewDrivingLicence',
        params: Type.Object({
          nin: Type.String({ minLength: 1, maxLength: 32 }),
          number: Type.String({ minLength: 1, maxLength: 40 }),
        }),
        body: Type.Object(
          { years: Type.Integer({ minimum: 1, maximum: 15 }) },
          { additionalProperties: false },
        ),
        response: { 200: recordSchemas['driving-licences'] },
      },
    },
    async (request) => {
      const params = request.params as { nin: string; number: string };
      return renewDrivingLicence(
        ctx,
        requireActor(request),
        params.nin,
        params.number,
        { years: (request.body as { years: number }).years, today: new Date().toISOString().slice(0, 10) },
        originOf(request),
      );
    },
  );

  const OrgQuery = Type.Object(
    {
      kind: Type.Optional(
        Type.Union(['administration', 'bank', 'company', 'startup', 'operator'].map((k) => Type.Literal(k))),
      ),
    },
    { additionalProperties: false },
  );
  app.get(
    '/registries/organisations',
    {
      ...common,
      schema: {
        tags,
        summary: 'Organisations: administrations, banks, companies, startups',
        operationId: 'listOrganisations',
        querystring: OrgQuery,
        response: { 200: Type.Object({ organisations: Type.Array(Organisation) }) },
      },
    },
    async (request) => ({
      organisations: await listOrganisations(
        ctx,
        requireActor(request),
        (request.query as Static<typeof OrgQuery>).kind,
      ),
    }),
  );

  const OrgParams = Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64, description: 'UUID or identifier (e.g. DGID)' }),
  });
  app.get(
    '/registries/organisations/:id',
    {
      ...common,
      schema: {
        tags,
        summary: 'One organisation by id or identifier',
        operationId: 'getOrganisation',
        params: OrgParams,
        response: { 200: Organisation },
      },
    },
    async (request) =>
      getOrganisation(ctx, requireActor(request), (request.params as Static<typeof OrgParams>).id),
  );
}
