import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ProcedureDefinition } from '../../../shared/procedures/definition.ts';

export interface FieldError {
  in: 'body';
  pointer: string;
  detail: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv, ['date', 'email']);

const compiled = new Map<string, { complete: ValidateFunction; partial: ValidateFunction }>();

function validatorsFor(procedure: ProcedureDefinition) {
  const id = `${procedure.id}@${procedure.version}`;
  let found = compiled.get(id);
  if (!found) {
    const { required: _required, ...partial } = procedure.form.schema;
    found = { complete: ajv.compile(procedure.form.schema), partial: ajv.compile(partial) };
    compiled.set(id, found);
  }
  return found;
}

function toFieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    const field =
      e.keyword === 'required'
        ? `/${String((e.params as { missingProperty: string }).missingProperty)}`
        : e.keyword === 'additionalProperties'
          ? `/${String((e.params as { additionalProperty: string }).additionalProperty)}`
          : e.instancePath;
    const detail =
      e.keyword === 'required'
        ? 'this field is required'
        : e.keyword === 'additionalProperties'
          ? 'this form has no such field'
          : (e.message ?? 'invalid value');
    return { in: 'body' as const, pointer: `/data${field}`, detail };
  });
}

/**
 * The answers checked against the procedure's JSON Schema, field by field: a draft may be
 * incomplete (no required fields), a submission may not.
 */
export function checkAnswers(
  procedure: ProcedureDefinition,
  data: Record<string, unknown>,
  mode: 'draft' | 'submission',
): FieldError[] {
  const v = validatorsFor(procedure)[mode === 'draft' ? 'partial' : 'complete'];
  return v(data) ? [] : toFieldErrors(v.errors);
}
