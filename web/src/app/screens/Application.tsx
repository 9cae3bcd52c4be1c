import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api, download } from '../api.ts';
import { formatDate, formatDateTime, formatMoney } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { navigate, useLocation } from '../router.ts';
import { ApplicationForm } from './ApplicationForm.tsx';
import { displayValue } from './form-fields.tsx';
import {
  type Application,
  editable,
  localized,
  type ProcedureDefinition,
  StatusBadge,
  type TimelineEvent,
  withdrawable,
} from './procedures.tsx';

interface Notice {
  key: string;
  values?: Record<string, string>;
  tone: 'status' | 'alert';
}

/** The latest message an agent sent with a move to `status` (what is missing, why it was refused). */
const messageFor = (timeline: TimelineEvent[] | undefined, status: string) =>
  [...(timeline ?? [])].reverse().find((e) => e.to === status)?.message ?? undefined;

/** One of my applications: the form while it is mine to change, then where it stands and its document. */
export default function ApplicationScreen() {
  const { t } = useTranslation();
  const { item: id = '' } = useLocation();
  const [application, setApplication] = useState<Application>();
  const [procedure, setProcedure] = useState<ProcedureDefinition>();
  const [loadError, setLoadError] = useState<Error>();
  const [notice, setNotice] = useState<Notice>();
  const [error, setError] = useState<Error>();
  const [confirmWithdraw, setConfirmWithdraw] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setApplication(await api<Application>('GET', `/me/applications/${id}`));
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err as Error);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  // The definition the application was made under (a newer version does not change it).
  const definition = application && `${application.procedure.id}?version=${application.procedure.version}`;
  useEffect(() => {
    if (!definition) return;
    let live = true;
    api<ProcedureDefinition>('GET', `/procedures/${definition}`)
      .then((p) => live && setProcedure(p))
      .catch((err) => live && setLoadError(err as Error));
    return () => {
      live = false;
    };
  }, [definition]);

  const say = (next: Notice | undefined) => {
    setNotice(next);
    if (next) window.scrollTo({ top: 0 });
  };

  /** What the server answered a submission with, in words; the application reloaded when it moved on. */
  function onSubmitProblem(err: Error) {
    if (!(err instanceof ApiProblem)) return setError(err);
    if (err.code === 'fee-mismatch') {
      const expected = err.extra.expected as { amount: number; currency: string } | undefined;
      say({
        key: 'superapp.application.feeChanged',
        values: { amount: expected ? formatMoney(expected.amount, expected.currency) : '' },
        tone: 'alert',
      });
      return void load();
    }
    if (err.code === 'application-not-eligible')
      return say({
        key: 'superapp.application.notEligible',
        values: { reason: err.detail ?? err.title },
        tone: 'alert',
      });
    if (err.code === 'transition-forbidden') {
      say({ key: 'superapp.application.changed', tone: 'alert' });
      return void load();
    }
    setError(err);
  }

  async function withdraw() {
    setBusy(true);
    setError(undefined);
    try {
      setApplication(await api<Application>('POST', `/me/applications/${id}/withdraw`, {}));
      say({ key: 'superapp.application.withdrawn', tone: 'status' });
    } catch (err) {
      onSubmitProblem(err as Error);
    } finally {
      setBusy(false);
      setConfirmWithdraw(false);
    }
  }

  const back = (
    <p>
      <a
        href="/app/services"
        onClick={(e) => {
          e.preventDefault();
          navigate('services');
        }}
      >
        ← {t('superapp.application.back')}
      </a>
    </p>
  );
  if (!application || !procedure)
    return (
      <>
        {back}
        {loadError ? <ProblemAlert error={loadError} /> : <p aria-live="polite">{t('superapp.loading')}</p>}
      </>
    );

  const status = application.status;
  const infoMessage =
    status === 'info_requested' ? messageFor(application.timeline, 'info_requested') : undefined;
  const rejection = status === 'rejected' ? messageFor(application.timeline, 'rejected') : undefined;
  const events = (application.timeline ?? []).filter((e) => e.kind === 'transition' && e.to);
  const properties = procedure.form.schema.properties;

  return (
    <>
      {back}
      <h1>{localized(procedure.title)}</h1>
      <p className="application-meta">
        <span>{t('superapp.services.reference', { reference: application.reference })}</span>{' '}
        <StatusBadge status={status} />
      </p>
      <p role="status" className="status">
        {notice?.tone === 'status' ? t(notice.key, notice.values) : ''}
      </p>
      {notice?.tone === 'alert' && (
        <p role="alert" className="alert">
          {t(notice.key, notice.values)}
        </p>
      )}
      {error && <ProblemAlert error={error} />}

      {status === 'info_requested' && (
        <section className="card attention" aria-labelledby="info-title">
          <h2 id="info-title">{t('superapp.application.infoRequested')}</h2>
          {infoMessage && <p className="agent-message">{infoMessage}</p>}
          <p>{t('superapp.application.infoHint')}</p>
        </section>
      )}
      {status === 'rejected' && (
        <section className="card refused" aria-labelledby="rejected-title">
          <h2 id="rejected-title">{t('superapp.application.rejected')}</h2>
          {rejection && <p className="agent-message">{rejection}</p>}
        </section>
      )}
      {status === 'completed' && application.output && (
        <section className="card output" aria-labelledby="output-title">
          <h2 id="output-title">{t('superapp.application.output')}</h2>
          <p>
            <strong>{application.output.title}</strong>
          </p>
          <p>{t('superapp.application.issued', { date: formatDate(application.output.issuedAt) })}</p>
          {application.output.validUntil && (
            <p>{t('superapp.application.validUntil', { date: formatDate(application.output.validUntil) })}</p>
          )}
          <button
            type="button"
            className="primary"
            onClick={() =>
              download(`/me/applications/${id}/output.pdf`, `${application.reference}.pdf`).catch(setError)
            }
          >
            {t('superapp.application.download')}
          </button>
        </section>
      )}

      {editable(status) && (
        <ApplicationForm
          key={`${application.id}-${status}`}
          application={application}
          procedure={procedure}
          onSaved={setApplication}
          onReload={load}
          onSubmitted={(updated) => {
            setApplication(updated);
            say({ key: 'superapp.application.submitted', tone: 'status' });
          }}
          onProblem={onSubmitProblem}
        />
      )}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t('superapp.application.timeline')}</h2>
        <ol className="timeline">
          {events.map((e) => (
            <li key={`${e.at}-${e.to}`}>
              <strong>{t(`superapp.application.events.${e.to}`)}</strong>
              <time dateTime={e.at}>{formatDateTime(e.at)}</time>
              {e.message && <span>{t('superapp.application.message', { message: e.message })}</span>}
            </li>
          ))}
        </ol>
        {application.dueAt && (status === 'submitted' || status === 'in_review') && (
          <p>{t('superapp.application.due', { date: formatDate(application.dueAt) })}</p>
        )}
      </section>

      {!editable(status) && (
        <section className="card" aria-labelledby="answers-title">
          <h2 id="answers-title">{t('superapp.application.answers')}</h2>
          <dl>
            {procedure.form.ui.order
              .filter((f) => application.data[f] !== undefined && application.data[f] !== '')
              .map((f) => (
                <div className="row" key={f}>
                  <dt>{localized(procedure.form.ui.fields[f]?.label) || f}</dt>
                  <dd>
                    {displayValue(t, application.data[f], properties[f] ?? {}, procedure.form.ui.fields[f])}
                  </dd>
                </div>
              ))}
            {(application.attachments ?? []).map((a) => (
              <div className="row" key={a.id}>
                <dt>{localized(procedure.attachments.find((s) => s.id === a.slot)?.title) || a.slot}</dt>
                <dd>{a.filename}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      {withdrawable(status) && (
        <section className="withdraw">
          {confirmWithdraw ? (
            <>
              <p>{t('superapp.application.withdrawWarning')}</p>
              <div className="actions">
                <button type="button" className="danger" disabled={busy} onClick={() => void withdraw()}>
                  {t('superapp.application.confirmWithdraw')}
                </button>
                <button type="button" className="secondary" onClick={() => setConfirmWithdraw(false)}>
                  {t('superapp.application.cancel')}
                </button>
              </div>
            </>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirmWithdraw(true)}>
              {t('superapp.application.withdraw')}
            </button>
          )}
        </section>
      )}
    </>
  );
}
