import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../format.ts';
import { localized, type ProcedureDefinition } from './procedures.tsx';

type FieldUi = ProcedureDefinition['form']['ui']['fields'][string];
type FieldSchema = Record<string, unknown>;
export type Widget = NonNullable<FieldUi['widget']>;

/** The widget a field is drawn with: the definition's choice, else what its JSON Schema type suggests. */
export function widgetOf(schema: FieldSchema, ui: FieldUi | undefined): Widget {
  if (ui?.widget) return ui.widget;
  if (Array.isArray(schema.enum)) return 'select';
  if (schema.type === 'boolean') return 'checkbox';
  if (schema.type === 'number' || schema.type === 'integer') return 'number';
  if (schema.format === 'date') return 'date';
  if (schema.format === 'email') return 'email';
  return 'text';
}

/** A value as the citizen reads it: dates in the page's language, choices by their label. */
export function displayValue(
  t: TFunction,
  value: unknown,
  schema: FieldSchema,
  ui: FieldUi | undefined,
): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value === 'boolean') return t(value ? 'superapp.application.yes' : 'superapp.application.no');
  const text = String(value);
  const option = ui?.options?.[text];
  if (option) return localized(option);
  if (schema.format === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(text)) return formatDate(text);
  return text;
}

/** What the server said about an answer (its `detail`), as a message key in the page's language. */
export function errorKey(detail: string): string {
  const key = (k: string) => `superapp.application.errors.${k}`;
  if (detail === 'this field is required') return key('required');
  if (detail === 'this document is required') return key('documentRequired');
  if (/registry/.test(detail)) return key('locked');
  if (/more than/.test(detail)) return key('tooLong');
  if (/fewer than/.test(detail)) return key('tooShort');
  if (/must match (format|pattern)/.test(detail)) return key('format');
  if (/allowed values/.test(detail)) return key('choice');
  if (/must be >/.test(detail)) return key('tooSmall');
  if (/must be </.test(detail)) return key('tooBig');
  if (/must be (number|integer)/.test(detail)) return key('number');
  return key('invalid');
}

export interface FieldProps {
  name: string;
  schema: FieldSchema;
  ui: FieldUi | undefined;
  required: boolean;
  value: unknown;
  /** A message key, when the answer must be corrected. */
  error: string | undefined;
  /** Where a pre-filled value came from (registry code). */
  prefilledFrom: string | undefined;
  locked: boolean;
  onChange: (value: unknown) => void;
}

/** One question of a procedure's form, drawn from its JSON Schema and presentation. */
export function FormField(props: FieldProps) {
  const { t } = useTranslation();
  const { name, schema, ui, required, value, error, prefilledFrom, locked, onChange } = props;
  const id = `field-${name}`;
  const widget = widgetOf(schema, ui);
  const label = localized(ui?.label) || name;
  const help = ui?.help ? localized(ui.help) : undefined;
  const described = [help && `${id}-help`, prefilledFrom && `${id}-source`, error && `${id}-error`]
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    name,
    'aria-describedby': described || undefined,
    'aria-invalid': error ? true : undefined,
    'aria-required': required || undefined,
  };
  const text = value === undefined || value === null ? '' : String(value);
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const options = Array.isArray(schema.enum) ? (schema.enum as unknown[]).map(String) : [];
  const optionLabel = (v: string) => (ui?.options?.[v] ? localized(ui.options[v]) : v);

  const mark = required ? <span className="required"> ({t('superapp.application.required')})</span> : null;
  const notes = (
    <>
      {help && (
        <p id={`${id}-help`} className="hint">
          {help}
        </p>
      )}
      {prefilledFrom && (
        <p id={`${id}-source`} className="prefilled">
          {t('superapp.application.prefilled', {
            registry: t(`superapp.registries.${prefilledFrom}`, { defaultValue: prefilledFrom }),
          })}
          {locked && ` · ${t('superapp.application.locked')}`}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {t(error)}
        </p>
      )}
    </>
  );

  let control: ReactNode;
  if (locked) {
    control = <input {...common} type="text" readOnly value={displayValue(t, value, schema, ui)} />;
  } else if (widget === 'radio') {
    return (
      <fieldset
        className={`form-field choices${error ? ' invalid' : ''}`}
        aria-describedby={described || undefined}
      >
        <legend>
          {label}
          {mark}
        </legend>
        {options.map((o) => (
          <label key={o}>
            <input
              type="radio"
              name={name}
              value={o}
              checked={text === o}
              aria-invalid={error ? true : undefined}
              id={o === options[0] ? id : undefined}
              onChange={() => onChange(o)}
            />
            {optionLabel(o)}
          </label>
        ))}
        {notes}
      </fieldset>
    );
  } else if (widget === 'checkbox') {
    return (
      <div className={`form-field checkbox${error ? ' invalid' : ''}`}>
        <label>
          <input
            {...common}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label}
          {mark}
        </label>
        {notes}
      </div>
    );
  } else if (widget === 'select') {
    control = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('superapp.application.choose')}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {optionLabel(o)}
          </option>
        ))}
      </select>
    );
  } else if (widget === 'textarea') {
    control = (
      <textarea
        {...common}
        rows={3}
        maxLength={maxLength}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    const type =
      { text: 'text', date: 'date', number: 'number', email: 'email', tel: 'tel' }[widget] ?? 'text';
    control = (
      <input
        {...common}
        type={type}
        value={text}
        maxLength={maxLength}
        min={typeof schema.minimum === 'number' ? schema.minimum : undefined}
        max={typeof schema.maximum === 'number' ? schema.maximum : undefined}
        inputMode={type === 'number' ? 'decimal' : undefined}
        autoComplete={type === 'email' ? 'email' : type === 'tel' ? 'tel' : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className={`form-field${error ? ' invalid' : ''}${locked ? ' locked' : ''}`}>
      <label htmlFor={id}>
        {label}
        {mark}
      </label>
      {control}
      {notes}
    </div>
  );
}
