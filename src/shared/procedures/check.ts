import { Value } from 'typebox/value';
import { getDemoData } from '../countries/demo-data/index.ts';
import type { CountryProfile } from '../countries/index.ts';
import { type Localized, ProcedureDefinition } from './definition.ts';

/** One reason a definition is refused; `pointer` is a JSON Pointer into the definition. */
export interface ProcedureProblem {
  pointer: string;
  message: string;
}

export type ProcedureCheck =
  | { ok: true; procedure: ProcedureDefinition }
  | { ok: false; problems: ProcedureProblem[] };

/** Placeholders an output statement may use besides the form's fields. */
export const statementPlaceholders: readonly string[] = ['reference', 'applicantName', 'nin', 'issuedOn'];

interface Context {
  profile: CountryProfile;
  languages: readonly string[];
  owners: readonly string[];
  /** Registries a form can be pre-filled from: each has per-person services under `/people/{nin}`. */
  registries: readonly string[];
}

type Check = (procedure: ProcedureDefinition, context: Context) => ProcedureProblem[];

/**
 * Checks a procedure definition against the schema, then against the country profile and itself.
 * `owners` lists the administrations that may own a procedure; without it, the profile's demo
 * administrations (the organisations the seed creates) are used.
 */
export function checkProcedure(
  value: unknown,
  profile: CountryProfile,
  owners?: readonly string[],
): ProcedureCheck {
  const schemaProblems = Value.Errors(ProcedureDefinition, value).map((error) => ({
    pointer: error.instancePath,
    message: error.message,
  }));
  // The semantic checks below rely on the shape, so they only run on a well-formed definition.
  if (schemaProblems.length > 0) return { ok: false, problems: schemaProblems };

  const procedure = value as ProcedureDefinition;
  const demo = getDemoData(profile.code);
  const context: Context = {
    profile,
    languages: [profile.languages.default, ...profile.languages.others],
    owners: owners ?? demo.organisations.filter((o) => o.kind === 'administration').map((o) => o.identifier),
    // The organisations registry has no per-person service, so nothing can be pre-filled from it.
    registries: Object.keys(demo.registryOwners).filter((code) => code !== 'organisations'),
  };
  const problems = checks.flatMap((check) => check(procedure, context));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, procedure };
}

/** The text in `language`, else in `fallback`, else in any language the text has. */
export function localize(text: Localized, language: string, fallback: string): string {
  return text[language] ?? text[fallback] ?? Object.values(text)[0] ?? '';
}

const checkCountry: Check = (p, { profile }) =>
  p.country === profile.code
    ? []
    : [problem(['country'], `must be ${profile.code}, the code of the country profile`)];

const checkOwner: Check = (p, { owners }) =>
  owners.includes(p.owner)
    ? []
    : [problem(['owner'], `"${p.owner}" is not an administration of this country (${owners.join(', ')})`)];

const checkCurrency: Check = (p, { profile }) =>
  p.fee.currency === profile.currency.code
    ? []
    : [problem(['fee', 'currency'], `must be ${profile.currency.code}, the currency of the country profile`)];

const checkTranslations: Check = (p, { profile, languages }) =>
  localizedTexts(p).flatMap(({ at, text }) => [
    ...languages
      .filter((language) => text[language] === undefined)
      .map((language) => problem(at, `missing the "${language}" translation`)),
    ...Object.keys(text)
      .filter((language) => !languages.includes(language))
      .map((language) =>
        problem(
          [...at, language],
          `"${language}" is not a language of the ${profile.code} profile (${languages.join(', ')})`,
        ),
      ),
  ]);

const fieldNamePattern = /^[a-zA-Z][a-zA-Z0-9]*$/;

const checkFieldNames: Check = (p) =>
  Object.keys(p.form.schema.properties)
    .filter((name) => !fieldNamePattern.test(name))
    .map((name) =>
      problem(
        ['form', 'schema', 'properties', name],
        'a field name is letters and digits, starting with a letter',
      ),
    );

const checkFieldSchemas: Check = (p) =>
  Object.entries(p.form.schema.properties).flatMap(([name, schema]) =>
    checkFieldSchema(['form', 'schema', 'properties', name], schema),
  );

const checkOrder: Check = (p) => {
  const properties = Object.keys(p.form.schema.properties);
  const order = p.form.ui.order;
  const problems = order.flatMap((name, index) => {
    if (!properties.includes(name))
      return [problem(['form', 'ui', 'order', index], `"${name}" is not a form field`)];
    if (order.indexOf(name) !== index)
      return [problem(['form', 'ui', 'order', index], `"${name}" is listed twice`)];
    return [];
  });
  for (const name of properties) {
    if (!order.includes(name))
      problems.push(problem(['form', 'ui', 'order'], `"${name}" is missing from the order`));
  }
  return problems;
};

const checkFieldPresentation: Check = (p) => {
  const { properties } = p.form.schema;
  const { fields } = p.form.ui;
  return [
    ...Object.keys(properties)
      .filter((name) => fields[name] === undefined)
      .map((name) => problem(['form', 'ui', 'fields'], `"${name}" has no label`)),
    ...Object.entries(fields).flatMap(([name, ui]) => {
      const schema = properties[name];
      if (schema === undefined)
        return [problem(['form', 'ui', 'fields', name], `"${name}" is not a form field`)];
      return checkWidget(['form', 'ui', 'fields', name], schema, ui);
    }),
  ];
};

const checkRequired: Check = (p) => {
  const required = p.form.schema.required ?? [];
  return required.flatMap((name, index) => {
    const at = ['form', 'schema', 'required', index];
    if (p.form.schema.properties[name] === undefined) return [problem(at, `"${name}" is not a form field`)];
    if (required.indexOf(name) !== index) return [problem(at, `"${name}" is listed twice`)];
    return [];
  });
};

const checkPrefill: Check = (p, { registries }) =>
  p.prefill.flatMap((prefill, index) => {
    const problems: ProcedureProblem[] = [];
    if (p.form.schema.properties[prefill.field] === undefined) {
      problems.push(problem(['prefill', index, 'field'], `"${prefill.field}" is not a form field`));
    } else if (p.prefill.findIndex((other) => other.field === prefill.field) !== index) {
      problems.push(problem(['prefill', index, 'field'], `"${prefill.field}" is pre-filled twice`));
    }
    if (!registries.includes(prefill.registry)) {
      problems.push(
        problem(
          ['prefill', index, 'registry'],
          `"${prefill.registry}" is not a registry of this country (${registries.join(', ')})`,
        ),
      );
    } else {
      const paths =
        prefill.registry === 'people'
          ? ['/people/{nin}', '/people/{nin}/family']
          : [`/people/{nin}/${prefill.registry}`];
      if (!paths.includes(prefill.path)) {
        problems.push(
          problem(
            ['prefill', index, 'path'],
            `the ${prefill.registry} registry serves ${paths.join(' or ')}`,
          ),
        );
      }
    }
    return problems;
  });

const checkEligibility: Check = (p) =>
  p.eligibility.flatMap((rule, index) => {
    const schema = p.form.schema.properties[rule.field];
    if (schema === undefined)
      return [problem(['eligibility', index, 'field'], `"${rule.field}" is not a form field`)];
    if (rule.rule !== 'present' && schema.format !== 'date')
      return [
        problem(
          ['eligibility', index, 'field'],
          `an age rule needs a date field; "${rule.field}" is not one`,
        ),
      ];
    return [];
  });

const checkStatement: Check = (p) =>
  Object.entries(p.output.statement).flatMap(([language, statement]) =>
    [...statement.matchAll(/\{([^{}]*)\}/g)]
      .map((match) => match[1] ?? '')
      .filter(
        (name) =>
          !statementPlaceholders.includes(name) &&
          p.form.schema.properties[name] === undefined &&
          p.output.registryUpdate?.results?.[name] === undefined,
      )
      .map((name) =>
        problem(
          ['output', 'statement', language],
          `{${name}} is neither a form field nor one of ${statementPlaceholders.map((n) => `{${n}}`).join(', ')}`,
        ),
      ),
  );

/** The registry change names a registry of the country, and its path only the applicant and answers. */
const checkRegistryUpdate: Check = (p, { registries }) => {
  const update = p.output.registryUpdate;
  if (!update) return [];
  const problems: ProcedureProblem[] = [];
  if (!registries.includes(update.registry))
    problems.push(
      problem(
        ['output', 'registryUpdate', 'registry'],
        `"${update.registry}" is not a registry of this country`,
      ),
    );
  else if (
    !update.path.startsWith(
      update.registry === 'people' ? '/people/{nin}' : `/people/{nin}/${update.registry}/`,
    )
  )
    problems.push(
      problem(
        ['output', 'registryUpdate', 'path'],
        `the path must be one of the ${update.registry} registry's`,
      ),
    );
  for (const [, name] of update.path.matchAll(/\{([^{}]*)\}/g))
    if (name !== 'nin' && p.form.schema.properties[name ?? ''] === undefined)
      problems.push(problem(['output', 'registryUpdate', 'path'], `{${name}} is not a form field`));
  for (const name of Object.keys(update.results ?? {}))
    if (p.form.schema.properties[name] !== undefined || statementPlaceholders.includes(name))
      problems.push(
        problem(
          ['output', 'registryUpdate', 'results', name],
          `"${name}" already names a form field or placeholder`,
        ),
      );
  return problems;
};

const checkUniqueIds: Check = (p) => [
  ...duplicates(p.attachments.map((a) => a.id)).map((index) =>
    problem(['attachments', index, 'id'], `attachment "${p.attachments[index]?.id}" is defined twice`),
  ),
  ...duplicates(p.workflow.steps.map((s) => s.id)).map((index) =>
    problem(['workflow', 'steps', index, 'id'], `step "${p.workflow.steps[index]?.id}" is defined twice`),
  ),
];

/** In order: each check reads on its own and reports every problem it finds. */
const checks: Check[] = [
  checkCountry,
  checkOwner,
  checkCurrency,
  checkTranslations,
  checkFieldNames,
  checkFieldSchemas,
  checkOrder,
  checkFieldPresentation,
  checkRequired,
  checkPrefill,
  checkEligibility,
  checkStatement,
  checkRegistryUpdate,
  checkUniqueIds,
];

type Path = Array<string | number>;

function problem(path: Path, message: string): ProcedureProblem {
  return {
    pointer: path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join(''),
    message,
  };
}

/** Indexes of the values already seen earlier in the list. */
function duplicates(values: string[]): number[] {
  return values.flatMap((value, index) => (values.indexOf(value) === index ? [] : [index]));
}

function localizedTexts(p: ProcedureDefinition): Array<{ at: Path; text: Localized }> {
  const texts: Array<{ at: Path; text: Localized }> = [
    { at: ['title'], text: p.title },
    { at: ['summary'], text: p.summary },
  ];
  p.eligibility.forEach((rule, i) => {
    texts.push({ at: ['eligibility', i, 'message'], text: rule.message });
  });
  for (const [name, ui] of Object.entries(p.form.ui.fields)) {
    texts.push({ at: ['form', 'ui', 'fields', name, 'label'], text: ui.label });
    if (ui.help) texts.push({ at: ['form', 'ui', 'fields', name, 'help'], text: ui.help });
    for (const [value, label] of Object.entries(ui.options ?? {})) {
      texts.push({ at: ['form', 'ui', 'fields', name, 'options', value], text: label });
    }
  }
  p.attachments.forEach((attachment, i) => {
    texts.push({ at: ['attachments', i, 'title'], text: attachment.title });
  });
  p.workflow.steps.forEach((step, i) => {
    texts.push({ at: ['workflow', 'steps', i, 'title'], text: step.title });
  });
  texts.push({ at: ['output', 'title'], text: p.output.title });
  texts.push({ at: ['output', 'statement'], text: p.output.statement });
  return texts;
}

/**
 * Form fields use a small JSON Schema subset that every renderer and validator understands and
 * that cannot hide surprises (no $ref, no nested objects, no remote formats).
 */
const fieldTypes = ['string', 'integer', 'number', 'boolean'];
const fieldFormats = ['date', 'email'];
const keywordTypes: Record<string, string[]> = {
  type: fieldTypes,
  enum: ['string', 'integer', 'number'],
  format: ['string'],
  minLength: ['string'],
  maxLength: ['string'],
  pattern: ['string'],
  minimum: ['integer', 'number'],
  maximum: ['integer', 'number'],
};

function checkFieldSchema(at: Path, schema: Record<string, unknown>): ProcedureProblem[] {
  const { type } = schema;
  if (typeof type !== 'string' || !fieldTypes.includes(type))
    return [problem([...at, 'type'], `must be one of ${fieldTypes.join(', ')}`)];

  const problems: ProcedureProblem[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    const types = keywordTypes[keyword];
    if (types === undefined) {
      problems.push(
        problem(
          [...at, keyword],
          `"${keyword}" is not allowed in a form field (allowed: ${Object.keys(keywordTypes).join(', ')})`,
        ),
      );
    } else if (!types.includes(type)) {
      problems.push(problem([...at, keyword], `"${keyword}" does not apply to a ${type} field`));
    } else {
      const message = keywordValueProblem(keyword, value, type);
      if (message) problems.push(problem([...at, keyword], message));
    }
  }
  for (const [min, max] of [
    ['minLength', 'maxLength'],
    ['minimum', 'maximum'],
  ] as const) {
    const low = schema[min];
    const high = schema[max];
    if (typeof low === 'number' && typeof high === 'number' && low > high)
      problems.push(problem([...at, min], `must not exceed ${max}`));
  }
  return problems;
}

function keywordValueProblem(keyword: string, value: unknown, type: string): string | undefined {
  switch (keyword) {
    case 'enum':
      if (!Array.isArray(value) || value.length === 0) return 'must list at least one value';
      if (!value.every((v) => (type === 'string' ? typeof v === 'string' : Number.isFinite(v))))
        return `every value must be a ${type}`;
      if (type === 'integer' && !value.every(Number.isInteger)) return 'every value must be an integer';
      if (new Set(value).size !== value.length) return 'values must be unique';
      return undefined;
    case 'format':
      return typeof value === 'string' && fieldFormats.includes(value)
        ? undefined
        : `must be one of ${fieldFormats.join(', ')}`;
    case 'minLength':
    case 'maxLength':
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be a non-negative integer';
    case 'minimum':
    case 'maximum':
      return Number.isFinite(value) ? undefined : 'must be a number';
    case 'pattern':
      if (typeof value !== 'string') return 'must be a regular expression';
      try {
        new RegExp(value, 'u');
        return undefined;
      } catch {
        return 'is not a valid regular expression';
      }
    default:
      return undefined;
  }
}

type FieldUi = ProcedureDefinition['form']['ui']['fields'][string];
type Widget = NonNullable<FieldUi['widget']>;

/** What each widget can show; a field without a widget gets the renderer's default for its type. */
const widgetFits: Record<Widget, (schema: Record<string, unknown>) => boolean> = {
  text: (s) => s.type === 'string' && s.format === undefined,
  textarea: (s) => s.type === 'string' && s.format === undefined,
  tel: (s) => s.type === 'string' && s.format === undefined,
  email: (s) => s.type === 'string' && s.format === 'email',
  date: (s) => s.type === 'string' && s.format === 'date',
  number: (s) => s.type === 'integer' || s.type === 'number',
  checkbox: (s) => s.type === 'boolean',
  select: (s) => Array.isArray(s.enum),
  radio: (s) => Array.isArray(s.enum),
};

function checkWidget(at: Path, schema: Record<string, unknown>, ui: FieldUi): ProcedureProblem[] {
  const problems: ProcedureProblem[] = [];
  if (ui.widget && !widgetFits[ui.widget](schema))
    problems.push(
      problem([...at, 'widget'], `a ${ui.widget} cannot show this field (type ${String(schema.type)})`),
    );

  const values = Array.isArray(schema.enum) ? schema.enum.map(String) : undefined;
  const options = Object.keys(ui.options ?? {});
  if (values === undefined) {
    if (options.length > 0)
      problems.push(problem([...at, 'options'], 'only a field with an enum has options'));
    return problems;
  }
  for (const value of values) {
    if (!options.includes(value))
      problems.push(problem([...at, 'options'], `no label for the value "${value}"`));
  }
  for (const option of options) {
    if (!values.includes(option))
      problems.push(problem([...at, 'options', option], `"${option}" is not one of the field's values`));
  }
  return problems;
}
