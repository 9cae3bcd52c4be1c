import { type Static, Type } from 'typebox';

/**
 * A public procedure is data: what it asks, what the state already knows (pre-filled through the
 * bridge), what it costs, who decides and what it produces. One schema checks the files in
 * `procedures/`, the operators' editor API and what the apps render; see docs/decisions/0013.
 */

/** Text in every language of the country profile (fr, wo, en for Senegal; az, en for Azerbaijan). */
export const Localized = Type.Record(
  Type.String({ pattern: '^[a-z]{2,3}$' }),
  Type.String({ minLength: 1 }),
  {
    minProperties: 1,
  },
);
export type Localized = Static<typeof Localized>;

const Id = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', minLength: 3, maxLength: 80 });
const FieldName = Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]*$', maxLength: 64 });

/** One field's presentation; its type and limits live in the JSON Schema beside it. */
export const FieldUi = Type.Object(
  {
    label: Localized,
    help: Type.Optional(Localized),
    widget: Type.Optional(
      Type.Union([
        Type.Literal('text'),
        Type.Literal('textarea'),
        Type.Literal('select'),
        Type.Literal('radio'),
        Type.Literal('date'),
        Type.Literal('number'),
        Type.Literal('email'),
        Type.Literal('tel'),
        Type.Literal('checkbox'),
      ]),
    ),
    /** Labels of an enum's values, by value. */
    options: Type.Optional(Type.Record(Type.String(), Localized)),
    /** A pre-filled value is shown but cannot be changed (it is the registry's, not the citizen's). */
    lockedWhenPrefilled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const Form = Type.Object(
  {
    /** JSON Schema (draft 2020-12 subset) of the answers: an object of named fields. */
    schema: Type.Object(
      {
        type: Type.Literal('object'),
        properties: Type.Record(FieldName, Type.Record(Type.String(), Type.Unknown())),
        required: Type.Optional(Type.Array(FieldName)),
        additionalProperties: Type.Literal(false),
      },
      { additionalProperties: true },
    ),
    ui: Type.Object(
      {
        /** Display order; every property appears once. */
        order: Type.Array(FieldName, { minItems: 1 }),
        fields: Type.Record(FieldName, FieldUi),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * Once-only: a field taken from a registry through the Digital Bridge. `registry` is the registry
 * code (the bridge service is the owner's `registries/<code>/v1`); `path` is the service path with
 * `{nin}` for the applicant; `pointer` is a JSON Pointer into the answer (records lists are
 * `/records/0/...`).
 */
export const Prefill = Type.Object(
  {
    field: FieldName,
    registry: Type.String({ pattern: '^[a-z-]+$' }),
    path: Type.String({ pattern: '^/people/\\{nin\\}(/[a-z-]+)?$' }),
    pointer: Type.String({ pattern: '^(/[^/]+)+$' }),
  },
  { additionalProperties: false },
);
export type Prefill = Static<typeof Prefill>;

/** Who may apply, checked on the pre-filled answers when an application starts and when it is submitted. */
export const EligibilityRule = Type.Union([
  Type.Object(
    {
      rule: Type.Literal('min-age'),
      field: FieldName,
      years: Type.Integer({ minimum: 0, maximum: 120 }),
      message: Localized,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      rule: Type.Literal('max-age'),
      field: FieldName,
      years: Type.Integer({ minimum: 0, maximum: 120 }),
      message: Localized,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { rule: Type.Literal('present'), field: FieldName, message: Localized },
    { additionalProperties: false },
  ),
]);
export type EligibilityRule = Static<typeof EligibilityRule>;

export const Attachment = Type.Object(
  {
    id: Id,
    title: Localized,
    required: Type.Boolean(),
    types: Type.Array(
      Type.Union([Type.Literal('application/pdf'), Type.Literal('image/jpeg'), Type.Literal('image/png')]),
      { minItems: 1 },
    ),
    maxBytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);

export const decisions = ['approve', 'reject', 'request-info'] as const;
export type Decision = (typeof decisions)[number];

/** One step of the back-office: who acts, what they may decide, how long it should take. */
export const Step = Type.Object(
  {
    id: Id,
    title: Localized,
    /** The agent role that acts at this step, within the owning administration. */
    role: Type.Union([Type.Literal('instructor'), Type.Literal('decider')]),
    decisions: Type.Array(
      Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('request-info')]),
      {
        minItems: 1,
        uniqueItems: true,
      },
    ),
    slaDays: Type.Integer({ minimum: 1, maximum: 365 }),
  },
  { additionalProperties: false },
);

export const Output = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('extract'),
      Type.Literal('certificate'),
      Type.Literal('decision-letter'),
      Type.Literal('appointment'),
      Type.Literal('registration'),
    ]),
    title: Localized,
    /** The letter's text; `{field}` is replaced by the answer of that field, `{reference}` by the application's. */
    statement: Localized,
    /** The wallet document it becomes once the documents module lands (documents issue). */
    documentType: Type.Optional(Id),
    /** Months the output is valid for, when it expires (an extract: 3). */
    validityMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: 240 })),
    /**
     * A change to a registry that approval makes, through the bridge, by the administration that
     * runs the procedure: `path` is the registry service's path with `{nin}` and `{field}` taken
     * from the answers; `results` names values of the registry's answer (JSON Pointers) that the
     * statement may print as `{name}`.
     */
    registryUpdate: Type.Optional(
      Type.Object(
        {
          registry: Type.String({ pattern: '^[a-z-]+$' }),
          method: Type.Literal('POST'),
          path: Type.String({ pattern: '^/people/\\{nin\\}(/[a-zA-Z0-9{}-]+)+$', maxLength: 200 }),
          body: Type.Record(
            Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]*$' }),
            Type.Union([Type.String(), Type.Integer(), Type.Boolean()]),
          ),
          results: Type.Optional(Type.Record(FieldName, Type.String({ pattern: '^(/[^/]+)+$' }))),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ProcedureDefinition = Type.Object(
  {
    id: Id,
    version: Type.Integer({ minimum: 1 }),
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
    /** The administration that runs it (organisations registry identifier, e.g. MJ-CJ). */
    owner: Type.String({ pattern: '^[A-Z0-9-]{2,32}$' }),
    category: Type.Union([
      Type.Literal('civil-status'),
      Type.Literal('justice'),
      Type.Literal('identity'),
      Type.Literal('transport'),
      Type.Literal('business'),
      Type.Literal('housing'),
      Type.Literal('education'),
      Type.Literal('social'),
    ]),
    title: Localized,
    summary: Localized,
    /** Where the legal basis is published (a decree, a portal page). */
    legalReference: Type.Optional(Type.String({ maxLength: 300 })),
    eligibility: Type.Array(EligibilityRule),
    form: Form,
    prefill: Type.Array(Prefill),
    attachments: Type.Array(Attachment),
    /** In the country's currency, in whole units (XOF has no minor unit in practice). 0 is free. */
    fee: Type.Object(
      { amount: Type.Integer({ minimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
      { additionalProperties: false },
    ),
    workflow: Type.Object(
      { steps: Type.Array(Step, { minItems: 1, maxItems: 5 }) },
      { additionalProperties: false },
    ),
    output: Output,
  },
  { additionalProperties: false },
);
export type ProcedureDefinition = Static<typeof ProcedureDefinition>;

export const applicationStatuses = [
  'draft',
  'submitted',
  'in_review',
  'info_requested',
  'approved',
  'rejected',
  'completed',
  'withdrawn',
] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

export const ApplicationStatusSchema = Type.Union([
  Type.Literal('draft'),
  Type.Literal('submitted'),
  Type.Literal('in_review'),
  Type.Literal('info_requested'),
  Type.Literal('approved'),
  Type.Literal('rejected'),
  Type.Literal('completed'),
  Type.Literal('withdrawn'),
]);
