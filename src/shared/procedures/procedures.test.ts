import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getCountryProfile } from '../countries/index.ts';
import { checkProcedure, localize, type ProcedureProblem } from './check.ts';
import type { ProcedureDefinition } from './definition.ts';

const root = fileURLToPath(new URL('../../../procedures/', import.meta.url));
const sn = getCountryProfile('SN');
const az = getCountryProfile('AZ');

const files = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) =>
    readdirSync(join(root, dir.name))
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({ country: dir.name, name, path: join(root, dir.name, name) })),
  );

function readProcedure(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** A valid Senegalese definition to break one rule at a time. */
function makeProcedure(): ProcedureDefinition {
  return readProcedure(join(root, 'sn', 'sn-criminal-record-extract.json')) as ProcedureDefinition;
}

function problemsOf(value: unknown, profile = sn): ProcedureProblem[] {
  const result = checkProcedure(value, profile);
  return result.ok ? [] : result.problems;
}

describe('the procedure files', () => {
  it.each(files)(
    '$country/$name is accepted for its country, named after its id',
    ({ country, name, path }) => {
      const value = readProcedure(path);
      const result = checkProcedure(value, getCountryProfile(country));
      expect(result.ok ? [] : result.problems).toEqual([]);
      expect(`${value.id}.json`).toBe(name);
      expect(value.country).toBe(country.toUpperCase());
      expect(value.version).toBe(1);
    },
  );

  it('ship the Senegalese catalogue and an Azerbaijani example', () => {
    const ids = (country: string) =>
      files.filter((f) => f.country === country).map((f) => f.name.replace(/\.json$/, ''));
    expect(ids('sn')).toEqual(
      expect.arrayContaining([
        'sn-birth-certificate-extract',
        'sn-criminal-record-extract',
        'sn-residence-certificate',
        'sn-id-card-renewal-appointment',
        'sn-driving-licence-renewal',
        'sn-business-creation-ninea',
        'sn-building-permit',
        'sn-scholarship-application',
      ]),
    );
    expect(ids('az').length).toBeGreaterThanOrEqual(1);
  });

  it('keep at least one eligibility rule in the set', () => {
    expect(files.some((f) => (readProcedure(f.path).eligibility as unknown[]).length > 0)).toBe(true);
  });
});

describe('checkProcedure refuses', () => {
  it('a definition that does not match the schema, with a JSON Pointer to the value', () => {
    const p = makeProcedure();
    p.form.ui.order[2] = 'birth-date';
    expect(problemsOf(p)).toContainEqual({
      pointer: '/form/ui/order/2',
      message: expect.stringContaining('must match pattern'),
    });
  });

  it('a text missing one of the profile languages', () => {
    const p = makeProcedure();
    delete p.title.wo;
    expect(problemsOf(p)).toEqual([{ pointer: '/title', message: 'missing the "wo" translation' }]);
  });

  it('a text in a language the profile does not have', () => {
    const p = makeProcedure();
    p.form.ui.fields.purpose!.options!.other!.az = 'Digər';
    expect(problemsOf(p)).toEqual([
      {
        pointer: '/form/ui/fields/purpose/options/other/az',
        message: '"az" is not a language of the SN profile (fr, wo, en)',
      },
    ]);
  });

  it('an order that omits a property', () => {
    const p = makeProcedure();
    p.form.ui.order = p.form.ui.order.filter((name: string) => name !== 'purposeDetail');
    expect(problemsOf(p)).toEqual([
      { pointer: '/form/ui/order', message: '"purposeDetail" is missing from the order' },
    ]);
  });

  it('an order that lists a property twice', () => {
    const p = makeProcedure();
    p.form.ui.order.push('purpose');
    expect(problemsOf(p)).toEqual([{ pointer: '/form/ui/order/9', message: '"purpose" is listed twice' }]);
  });

  it('a property without a label', () => {
    const p = makeProcedure();
    delete p.form.ui.fields.purposeDetail;
    expect(problemsOf(p)).toEqual([{ pointer: '/form/ui/fields', message: '"purposeDetail" has no label' }]);
  });

  it('a required name that is not a property', () => {
    const p = makeProcedure();
    p.form.schema.required!.push('nationality');
    expect(problemsOf(p)).toEqual([
      { pointer: '/form/schema/required/5', message: '"nationality" is not a form field' },
    ]);
  });

  it('a prefill field not in the form', () => {
    const p = makeProcedure();
    p.prefill[0]!.field = 'nationality';
    expect(problemsOf(p)).toEqual([
      { pointer: '/prefill/0/field', message: '"nationality" is not a form field' },
    ]);
  });

  it('a wrong currency', () => {
    const p = makeProcedure();
    p.fee.currency = 'EUR';
    expect(problemsOf(p)).toEqual([
      { pointer: '/fee/currency', message: 'must be XOF, the currency of the country profile' },
    ]);
  });

  it('an unknown registry', () => {
    const p = makeProcedure();
    p.prefill[0]!.registry = 'health-records';
    expect(problemsOf(p)).toEqual([
      {
        pointer: '/prefill/0/registry',
        message: expect.stringContaining('"health-records" is not a registry'),
      },
    ]);
  });

  it('the organisations registry, which has no per-person service', () => {
    const p = makeProcedure();
    p.prefill[0] = { ...p.prefill[0]!, registry: 'organisations', path: '/people/{nin}/organisations' };
    expect(problemsOf(p).map((problem) => problem.pointer)).toEqual(['/prefill/0/registry']);
  });

  it('a path the registry does not serve', () => {
    const p = makeProcedure();
    p.prefill[0]!.path = '/people/{nin}/vehicles';
    expect(problemsOf(p)).toEqual([
      {
        pointer: '/prefill/0/path',
        message: 'the people registry serves /people/{nin} or /people/{nin}/family',
      },
    ]);
  });

  it('a definition for another country', () => {
    const p = makeProcedure();
    const pointers = problemsOf(p, az).map((problem) => problem.pointer);
    expect(pointers).toContain('/country');
    expect(pointers).toContain('/owner');
    expect(pointers).toContain('/fee/currency');
    expect(pointers).toContain('/title');
  });

  it('an owner that is not an administration of the country', () => {
    const p = makeProcedure();
    p.owner = 'SENUM';
    expect(problemsOf(p).map((problem) => problem.pointer)).toEqual(['/owner']);
    expect(checkProcedure(p, sn, ['SENUM']).ok).toBe(true);
  });

  it('a statement placeholder that is not a field', () => {
    const p = makeProcedure();
    p.output.statement.en = `${p.output.statement.en} {nationality}`;
    expect(problemsOf(p)).toEqual([
      {
        pointer: '/output/statement/en',
        message:
          '{nationality} is neither a form field nor one of {reference}, {applicantName}, {nin}, {issuedOn}',
      },
    ]);
  });

  it('a registry update on another registry, naming a missing field, or shadowing a field', () => {
    const p = makeProcedure();
    p.output.registryUpdate = {
      registry: 'driving-licences',
      method: 'POST',
      path: '/people/{nin}/vehicles/{plate}/transfer',
      body: {},
      results: { givenNames: '/givenNames' },
    };
    expect(problemsOf(p).map((x) => x.pointer)).toEqual([
      '/output/registryUpdate/path',
      '/output/registryUpdate/path',
      '/output/registryUpdate/results/givenNames',
    ]);
    p.output.registryUpdate = {
      registry: 'driving-licences',
      method: 'POST',
      path: '/people/{nin}/driving-licences/{familyName}/renewal',
      body: { years: 1 },
      results: { until: '/expiresOn' },
    };
    p.output.statement.en = `${p.output.statement.en} {until}`;
    expect(problemsOf(p)).toEqual([]);
  });

  it('an eligibility rule on a missing field, and an age rule on a field that is not a date', () => {
    const p = makeProcedure();
    const message = { fr: 'x', wo: 'x', en: 'x' };
    p.eligibility = [
      { rule: 'present', field: 'licenceNumber', message },
      { rule: 'min-age', field: 'birthPlace', years: 18, message },
    ];
    expect(problemsOf(p).map((problem) => problem.pointer)).toEqual([
      '/eligibility/0/field',
      '/eligibility/1/field',
    ]);
  });

  it('form fields outside the safe JSON Schema subset', () => {
    const p = makeProcedure();
    p.form.schema.properties.purposeDetail = {
      type: 'string',
      maxLength: 200,
      $ref: 'https://example.org/x',
    };
    p.form.schema.properties.birthPlace = { type: 'object' };
    p.form.schema.properties.givenNames = { type: 'string', format: 'uri', minimum: 1, pattern: '(' };
    expect(problemsOf(p).map((problem) => problem.pointer)).toEqual([
      '/form/schema/properties/givenNames/format',
      '/form/schema/properties/givenNames/minimum',
      '/form/schema/properties/givenNames/pattern',
      '/form/schema/properties/birthPlace/type',
      '/form/schema/properties/purposeDetail/$ref',
      '/form/ui/fields/givenNames/widget',
      '/form/ui/fields/birthPlace/widget',
    ]);
  });

  it('a select without a label for each value', () => {
    const p = makeProcedure();
    (p.form.schema.properties.purpose!.enum as string[]).push('study');
    expect(problemsOf(p)).toEqual([
      { pointer: '/form/ui/fields/purpose/options', message: 'no label for the value "study"' },
    ]);
  });

  it('a widget that cannot show its field', () => {
    const p = makeProcedure();
    p.form.ui.fields.birthDate!.widget = 'checkbox';
    expect(problemsOf(p).map((problem) => problem.pointer)).toEqual(['/form/ui/fields/birthDate/widget']);
  });

  it('attachment and step ids used twice', () => {
    const p = makeProcedure();
    const attachment: ProcedureDefinition['attachments'][number] = {
      id: 'photo',
      title: { fr: 'Photo', wo: 'Nataal', en: 'Photo' },
      required: false,
      types: ['image/jpeg'],
      maxBytes: 2048,
    };
    p.attachments = [attachment, attachment];
    p.workflow.steps.push(structuredClone(p.workflow.steps[0]!));
    expect(problemsOf(p).map((problem) => problem.pointer)).toEqual([
      '/attachments/1/id',
      '/workflow/steps/1/id',
    ]);
  });
});

describe('localize', () => {
  const text = { fr: 'Bonjour', wo: 'Salaam aleekum', en: 'Hello' };

  it('picks the language, then the fallback, then any text', () => {
    expect(localize(text, 'wo', 'fr')).toBe('Salaam aleekum');
    expect(localize(text, 'az', 'fr')).toBe('Bonjour');
    expect(localize({ en: 'Hello' }, 'az', 'fr')).toBe('Hello');
  });
});
