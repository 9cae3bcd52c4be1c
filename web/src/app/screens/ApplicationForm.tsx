import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api, upload } from '../api.ts';
import { formatBytes, formatMoney } from '../format.ts';
import { errorKey, FormField } from './form-fields.tsx';
import { type Application, type Attachment, localized, type ProcedureDefinition } from './procedures.tsx';

/** `failed`: answers to correct; `error`: not saved for another reason (no network), tried again at the next change. */
type SaveState = 'idle' | 'unsaved' | 'saving' | 'saved' | 'failed' | 'error';
type Slot = ProcedureDefinition['attachments'][number];

/** A key for one submission intent: sent again on a retry, so that a double tap submits once. */
const newKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/** The errors of a form-invalid problem, by field (`purpose`) or document slot (`attachment:photo`). */
function errorsOf(problem: ApiProblem): Record<string, string> {
  const found: Record<string, string> = {};
  for (const e of problem.fieldErrors) {
    const [, where, name] = e.pointer.split('/');
    if (!name) continue;
    found[where === 'attachments' ? `attachment:${name}` : name] ??= errorKey(e.detail);
  }
  return found;
}

/** An answer as the API takes it: an empty answer clears the field, a number is a number. */
function wire(value: unknown, schema: Record<string, unknown> | undefined): unknown {
  if (value === '' || value === undefined) return null;
  if ((schema?.type === 'number' || schema?.type === 'integer') && typeof value === 'string') {
    const n = Number(value.replace(',', '.'));
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

const typeNames: Record<string, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
};

export interface ApplicationFormProps {
  application: Application;
  procedure: ProcedureDefinition;
  onSaved: (application: Application) => void;
  onReload: () => Promise<void>;
  onSubmitted: (application: Application) => void;
  onProblem: (error: Error) => void;
}

/**
 * The form of a draft (or of an application the administration sent back for information): saved
 * as the citizen types, checked by the server field by field, submitted once.
 */
export function ApplicationForm(props: ApplicationFormProps) {
  const { application, procedure, onSaved, onReload, onSubmitted, onProblem } = props;
  const { t } = useTranslation();
  const [answers, setAnswers] = useState<Record<string, unknown>>(application.data);
  const latest = useRef(answers);
  const dirty = useRef(new Set<string>());
  const [errors, setErrorsState] = useState<Record<string, string>>({});
  const errorsRef = useRef(errors);
  const [save, setSave] = useState<SaveState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const saving = useRef<Promise<void>>(undefined);
  const [focusTick, setFocusTick] = useState(0);
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const sendingRef = useRef(false);
  const submitKey = useRef<string>(undefined);
  const formRef = useRef<HTMLFormElement>(null);

  const setErrors = (next: Record<string, string>) => {
    errorsRef.current = next;
    setErrorsState(next);
  };
  const clearError = (key: string) => {
    if (!(key in errorsRef.current)) return;
    const { [key]: _gone, ...rest } = errorsRef.current;
    setErrors(rest);
  };

  // After a refused submission, the first answer to correct gets the focus (once it is drawn).
  useEffect(() => {
    if (focusTick) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusTick]);

  /** Sends what changed since the last save; answers the server refuses wait to be corrected. */
  async function flush(): Promise<void> {
    clearTimeout(timer.current);
    while (saving.current) await saving.current;
    if (!dirty.current.size) return;
    const fields = [...dirty.current];
    dirty.current.clear();
    const properties = procedure.form.schema.properties;
    const data = Object.fromEntries(fields.map((f) => [f, wire(latest.current[f], properties[f])]));
    let retry = false;
    setSave('saving');
    const run = (async () => {
      try {
        onSaved(await api<Application>('PATCH', `/me/applications/${application.id}`, { data }));
        setSave(dirty.current.size ? 'unsaved' : Object.keys(errorsRef.current).length ? 'failed' : 'saved');
      } catch (err) {
        setSave('failed');
        if (err instanceof ApiProblem && err.code === 'form-invalid') {
          const found = errorsOf(err);
          setErrors({ ...errorsRef.current, ...found });
          const rest = fields.filter((f) => !(f in found));
          for (const f of rest) dirty.current.add(f);
          retry = rest.length > 0 && rest.length < fields.length;
        } else {
          setSave('error');
          for (const f of fields) dirty.current.add(f);
          if (!(err instanceof TypeError)) onProblem(err as Error);
        }
      }
    })();
    saving.current = run;
    await run;
    saving.current = undefined;
    if (retry) await flush();
  }

  // Leaving the screen saves what is waiting.
  const flushRef = useRef(flush);
  flushRef.current = flush;
  useEffect(
    () => () => {
      if (dirty.current.size) void flushRef.current();
    },
    [],
  );

  function change(field: string, value: unknown) {
    latest.current = { ...latest.current, [field]: value };
    setAnswers(latest.current);
    dirty.current.add(field);
    clearError(field);
    setSave('unsaved');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void flush(), 700);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    // A second tap while the first is on its way does nothing (and would reuse the same key).
    if (sendingRef.current) return;
    sendingRef.current = true;
    setSending(true);
    setTried(true);
    try {
      await flush();
      if (Object.keys(errorsRef.current).length) {
        setFocusTick((n) => n + 1);
        return;
      }
      submitKey.current ??= newKey();
      const submitted = await api<Application>(
        'POST',
        `/me/applications/${application.id}/submit`,
        { fee: application.fee },
        { 'idempotency-key': submitKey.current },
      );
      submitKey.current = undefined;
      onSubmitted(submitted);
    } catch (err) {
      // A definite answer ends this intent; a network failure or a server error keeps the key for a retry.
      if (err instanceof ApiProblem && err.status < 500) submitKey.current = undefined;
      if (err instanceof ApiProblem && err.code === 'form-invalid') {
        setErrors(errorsOf(err));
        setFocusTick((n) => n + 1);
      } else onProblem(err as Error);
    } finally {
      sendingRef.current = false;
      setSending(false);
    }
  }

  const { schema, ui } = procedure.form;
  const required = new Set(schema.required ?? []);
  const labelOf = (key: string) =>
    key.startsWith('attachment:')
      ? localized(procedure.attachments.find((a) => `attachment:${a.id}` === key)?.title)
      : localized(ui.fields[key]?.label) || key;
  const fieldId = (key: string) =>
    key.startsWith('attachment:') ? `slot-${key.slice('attachment:'.length)}` : `field-${key}`;
  const errorList = Object.entries(errors);
  const fee = application.fee;

  return (
    <form
      ref={formRef}
      className="application-form"
      noValidate
      onSubmit={submit}
      aria-labelledby="form-title"
    >
      <h2 id="form-title">{t('superapp.application.form')}</h2>
      <p className="hint">{t('superapp.application.requiredNote')}</p>
      {Object.keys(application.prefilled).length > 0 && (
        <p className="hint">{t('superapp.application.prefilledIntro')}</p>
      )}
      {tried && errorList.length > 0 && (
        <div className="alert error-summary">
          <h3>{t('superapp.application.errorsTitle', { count: errorList.length })}</h3>
          <ul>
            {errorList.map(([key, message]) => (
              <li key={key}>
                <a
                  href={`#${fieldId(key)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(fieldId(key))?.focus();
                  }}
                >
                  {labelOf(key)} : {t(message)}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {ui.order.map((name) => {
        const source = application.prefilled[name]?.registry;
        return (
          <FormField
            key={name}
            name={name}
            schema={schema.properties[name] ?? {}}
            ui={ui.fields[name]}
            required={required.has(name)}
            value={answers[name]}
            error={errors[name]}
            prefilledFrom={source}
            locked={Boolean(source && ui.fields[name]?.lockedWhenPrefilled)}
            onChange={(value) => change(name, value)}
          />
        );
      })}

      {procedure.attachments.length > 0 && (
        <section aria-labelledby="documents-title">
          <h2 id="documents-title">{t('superapp.application.documents')}</h2>
          {procedure.attachments.map((slot) => (
            <DocumentSlot
              key={slot.id}
              slot={slot}
              applicationId={application.id}
              attached={application.attachments?.find((a) => a.slot === slot.id)}
              error={errors[`attachment:${slot.id}`]}
              onUploaded={async () => {
                clearError(`attachment:${slot.id}`);
                await onReload();
              }}
            />
          ))}
        </section>
      )}

      <section className="card fee" aria-labelledby="fee-title">
        <h2 id="fee-title">{t('superapp.application.feeTitle')}</h2>
        <p>
          {fee.amount > 0
            ? t('superapp.application.fee', { amount: formatMoney(fee.amount, fee.currency) })
            : t('superapp.application.feeFree')}
        </p>
      </section>
      <p role="status" className={`save-state save-${save}`}>
        {save === 'idle'
          ? ''
          : t(
              `superapp.application.${save === 'failed' ? 'saveFailed' : save === 'error' ? 'saveError' : save}`,
            )}
      </p>
      <button type="submit" className="primary submit" disabled={sending}>
        {sending
          ? t('superapp.application.submitting')
          : t(
              application.status === 'info_requested'
                ? 'superapp.application.resubmit'
                : 'superapp.application.submit',
            )}
      </button>
    </form>
  );
}

/** A document the procedure asks for: what it accepts, what is attached, and the server's refusal in words. */
function DocumentSlot(props: {
  slot: Slot;
  applicationId: string;
  attached: Attachment | undefined;
  error: string | undefined;
  onUploaded: () => Promise<void>;
}) {
  const { slot, applicationId, attached, error, onUploaded } = props;
  const { t } = useTranslation();
  const [state, setState] = useState<{ key: string; values?: Record<string, string>; failed?: boolean }>();
  const id = `slot-${slot.id}`;
  const maxSize = formatBytes(slot.maxBytes);
  const problem = state?.failed ? state : error ? { key: error } : undefined;

  async function send(file: File | undefined) {
    if (!file) return;
    // Checked here too, so that a phone does not send megabytes only to hear they are too many.
    if (file.size > slot.maxBytes)
      return setState({ key: 'superapp.application.tooLarge', values: { size: maxSize }, failed: true });
    setState({ key: 'superapp.application.uploading' });
    try {
      await upload(`/me/applications/${applicationId}/attachments/${slot.id}`, file);
      await onUploaded();
      // What is attached now shows in its place.
      setState(undefined);
    } catch (err) {
      const code = err instanceof ApiProblem ? err.code : 'other';
      setState({
        key: `superapp.application.refused.${code}`,
        values: {},
        failed: true,
      });
    }
  }

  return (
    <div className={`form-field document${problem ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        {localized(slot.title)}
        {slot.required && <span className="required"> ({t('superapp.application.required')})</span>}
      </label>
      <p id={`${id}-hint`} className="hint">
        {t('superapp.application.accepts', {
          types: slot.types.map((type) => typeNames[type] ?? type).join(', '),
          size: maxSize,
        })}
      </p>
      <input
        id={id}
        type="file"
        accept={slot.types.join(',')}
        aria-describedby={`${id}-hint ${id}-state`}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => void send(e.target.files?.[0])}
      />
      <p id={`${id}-state`} className={problem ? 'field-error' : 'hint'} role="status">
        {problem
          ? t(problem.key, {
              ...problem.values,
              defaultValue: t('superapp.application.refused.other'),
            })
          : state
            ? t(state.key, state.values)
            : attached
              ? t('superapp.application.attached', {
                  name: attached.filename,
                  size: formatBytes(attached.sizeBytes),
                })
              : ''}
      </p>
    </div>
  );
}
