import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem, api, download } from './api.ts';
import { accountId } from './auth.ts';
import {
  formatDate,
  formatDateTime,
  formatDay,
  formatMoney,
  formatSize,
  localized,
  useOfficeTranslation,
  usePageTitle,
} from './i18n.ts';
import { applicantName, assigneeText, slaText, slaTone } from './labels.ts';
import { ProblemMessage } from './ProblemMessage.tsx';
import { lastQueuePath, navigate } from './router.ts';
import type { Application, Decision, Me, ProcedureDefinition, TimelineEvent } from './types.ts';

const decisionOrder: Decision[] = ['approve', 'request-info', 'reject'];
const closed = ['approved', 'rejected', 'completed', 'withdrawn'];

/** One application of the agent's administration: what was asked, the documents, the history, the work. */
export function ApplicationPage({ id, me }: { id: string; me: Me }) {
  const { t } = useOfficeTranslation();
  const [application, setApplication] = useState<Application>();
  const [definition, setDefinition] = useState<ProcedureDefinition>();
  const [loadError, setLoadError] = useState<Error>();
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    if (id === 'not-an-id')
      return setLoadError(new ApiProblem(404, 'urn:jokko:problem:not-found', 'Not found'));
    try {
      setApplication(await api<Application>('GET', `/office/applications/${id}`));
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err as Error);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  // The definition of the version applied for: labels, options, steps and their decisions.
  const version = application && `${application.procedure.id}?version=${application.procedure.version}`;
  useEffect(() => {
    if (!version) return;
    let current = true;
    api<ProcedureDefinition>('GET', `/procedures/${version}`).then(
      (d) => current && setDefinition(d),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [version]);
  const ready = !!application || !!loadError;
  usePageTitle(
    application
      ? t('detail.title', { reference: application.reference })
      : loadError instanceof ApiProblem && loadError.status === 404
        ? t('notFound.title')
        : undefined,
  );
  useEffect(() => {
    if (ready) heading.current?.focus();
  }, [ready]);

  const back = (
    <p className="office-back-line">
      <a
        className="office-back"
        href={lastQueuePath()}
        onClick={(e) => {
          e.preventDefault();
          navigate(lastQueuePath());
        }}
      >
        {t('detail.back')}
      </a>
    </p>
  );

  if (loadError instanceof ApiProblem && loadError.status === 404)
    return (
      <section className="office-card" aria-labelledby="notfound-title">
        {back}
        <h1 id="notfound-title" ref={heading} tabIndex={-1}>
          {t('notFound.title')}
        </h1>
        <p>{t('notFound.text')}</p>
        {loadError.detail && (
          <p className="office-problem-detail">{t('problem.detail', { detail: loadError.detail })}</p>
        )}
      </section>
    );
  if (loadError)
    return (
      <section aria-labelledby="error-title">
        {back}
        <h1 id="error-title" ref={heading} tabIndex={-1}>
          {t('problem.default')}
        </h1>
        <ProblemMessage error={loadError} />
      </section>
    );
  if (!application) return <p aria-live="polite">{t('loading')}</p>;

  const steps = definition?.workflow.steps ?? [];
  const step = steps[application.step];
  return (
    <article className="office-application" aria-labelledby="application-title">
      {back}
      <header className="office-application-header">
        <h1 id="application-title" ref={heading} tabIndex={-1}>
          {t('detail.title', { reference: application.reference })}
        </h1>
        <p className="office-procedure">
          {definition ? localized(definition.title) : application.procedure.id}
        </p>
        <p className="office-facts">
          <span className={`office-badge status-${application.status}`}>
            {t(`status.${application.status}`)}
          </span>
          {application.dueAt && (
            <span className={`office-sla sla-${slaTone(application.slaDaysLeft)}`}>
              {slaText(t, application.slaDaysLeft)} ({t('sla.due', { date: formatDate(application.dueAt) })})
            </span>
          )}
          {application.submittedAt && (
            <span>{t('detail.submitted', { date: formatDateTime(application.submittedAt) })}</span>
          )}
          <span>
            {t('detail.fee', { amount: formatMoney(application.fee.amount, application.fee.currency) })}
          </span>
        </p>
        {step && (
          <p>
            {t('detail.step', { n: application.step + 1, total: steps.length, title: localized(step.title) })}
          </p>
        )}
      </header>

      <div className="office-columns">
        <div>
          <section className="office-card" aria-labelledby="applicant-title">
            <h2 id="applicant-title">{t('detail.applicant')}</h2>
            <dl className="office-dl">
              <div>
                <dt>{t('detail.name')}</dt>
                <dd>{applicantName(application) ?? t('detail.empty')}</dd>
              </div>
              <div>
                <dt>{t('detail.nin')}</dt>
                <dd>{application.nin ?? t('detail.empty')}</dd>
              </div>
            </dl>
          </section>
          <Answers application={application} definition={definition} />
          <Documents application={application} definition={definition} />
        </div>
        <div>
          <Work
            application={application}
            definition={definition}
            me={me}
            onChange={setApplication}
            reload={load}
          />
          <Timeline events={application.timeline ?? []} />
        </div>
      </div>
    </article>
  );
}

function Answers({
  application,
  definition,
}: {
  application: Application;
  definition?: ProcedureDefinition | undefined;
}) {
  const { t } = useOfficeTranslation();
  const names = definition?.form.ui.order ?? Object.keys(application.data);
  const value = (name: string): string => {
    const answer = application.data[name];
    if (answer === undefined || answer === null || answer === '') return t('detail.empty');
    const ui = definition?.form.ui.fields[name];
    const schema = definition?.form.schema.properties[name] as { format?: string } | undefined;
    if (ui?.options && typeof answer === 'string' && ui.options[answer]) return localized(ui.options[answer]);
    if (typeof answer === 'boolean') return t(answer ? 'detail.yes' : 'detail.no');
    if (
      typeof answer === 'string' &&
      (schema?.format === 'date' || ui?.widget === 'date') &&
      /^\d{4}-\d{2}-\d{2}$/.test(answer)
    )
      return formatDay(answer);
    if (Array.isArray(answer))
      return answer
        .map((v) => (ui?.options?.[String(v)] ? localized(ui.options[String(v)]) : String(v)))
        .join(', ');
    return typeof answer === 'object' ? JSON.stringify(answer) : String(answer);
  };
  return (
    <section className="office-card" aria-labelledby="answers-title">
      <h2 id="answers-title">{t('detail.answers')}</h2>
      <dl className="office-dl">
        {names.map((name) => {
          const source = application.prefilled[name];
          return (
            <div key={name}>
              <dt>{definition ? localized(definition.form.ui.fields[name]?.label) || name : name}</dt>
              <dd>
                <span>{value(name)}</span>
                {source && (
                  <span className="office-prefilled">
                    {t('detail.prefilled', {
                      registry: t(`registries.${source.registry}`, { defaultValue: source.registry }),
                    })}
                  </span>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

function Documents({
  application,
  definition,
}: {
  application: Application;
  definition?: ProcedureDefinition | undefined;
}) {
  const { t } = useOfficeTranslation();
  const [error, setError] = useState<Error>();
  const attachments = application.attachments ?? [];
  return (
    <section className="office-card" aria-labelledby="documents-title">
      <h2 id="documents-title">{t('detail.documents')}</h2>
      {attachments.length === 0 && <p>{t('detail.noDocuments')}</p>}
      {attachments.length > 0 && (
        <ul className="office-documents">
          {attachments.map((a) => {
            const slot = definition?.attachments.find((s) => s.id === a.slot);
            return (
              <li key={a.id}>
                {slot && <span className="office-muted office-block">{localized(slot.title)}</span>}
                <a
                  href={`/v1/office/applications/${application.id}/attachments/${a.id}`}
                  download={a.filename}
                  onClick={(e) => {
                    e.preventDefault();
                    download(`/office/applications/${application.id}/attachments/${a.id}`, a.filename).then(
                      () => setError(undefined),
                      setError,
                    );
                  }}
                >
                  {t('detail.download', { filename: a.filename, size: formatSize(a.sizeBytes) })}
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {application.output && (
        <p>
          {t('detail.output', {
            title: application.output.title,
            date: formatDate(application.output.issuedAt),
          })}
        </p>
      )}
      {error && <ProblemMessage error={error} />}
    </section>
  );
}

/** Taking the application, then the decisions the current step allows, and internal comments. */
function Work({
  application,
  definition,
  me,
  onChange,
  reload,
}: {
  application: Application;
  definition?: ProcedureDefinition | undefined;
  me: Me;
  onChange: (a: Application) => void;
  reload: () => Promise<void>;
}) {
  const { t } = useOfficeTranslation();
  const [message, setMessage] = useState('');
  const [messageError, setMessageError] = useState(false);
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState(false);
  const [notice, setNotice] = useState('');
  const [problem, setProblem] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const messageField = useRef<HTMLTextAreaElement>(null);
  const commentField = useRef<HTMLTextAreaElement>(null);
  const step = definition?.workflow.steps[application.step];
  const mine = !!application.assignedTo && application.assignedTo === accountId();
  const mayDecide = step ? me.roles.includes(`eservices:${step.role}`) : false;

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setProblem(undefined);
    setNotice('');
    try {
      setNotice(await action());
    } catch (err) {
      setProblem(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const take = (action: 'start-review' | 'assign') =>
    run(async () => {
      const result = await api<{ done: string[]; refused: Array<{ id: string; reason: string }> }>(
        'POST',
        '/office/applications/bulk',
        { action, ids: [application.id] },
      );
      await reload();
      const refused = result.refused[0];
      // The bulk route answers 200 with the refusals listed: one refusal here is this application's.
      if (refused)
        throw new ApiProblem(409, 'urn:jokko:problem:transition-forbidden', 'Refused', refused.reason);
      return t(action === 'assign' ? 'detail.work.assignedToYou' : 'detail.work.taken');
    });

  const decide = (decision: Decision) => {
    if (decision !== 'approve' && !message.trim()) {
      setMessageError(true);
      messageField.current?.focus();
      return;
    }
    setMessageError(false);
    void run(async () => {
      const updated = await api<Application>('POST', `/office/applications/${application.id}/decision`, {
        decision,
        ...(message.trim() ? { message: message.trim() } : {}),
      });
      onChange(updated);
      setMessage('');
      return t('detail.decision.done', { status: t(`status.${updated.status}`) });
    });
  };

  const addComment = (e: FormEvent) => {
    e.preventDefault();
    if (!comment.trim()) {
      setCommentError(true);
      commentField.current?.focus();
      return;
    }
    setCommentError(false);
    void run(async () => {
      await api('POST', `/office/applications/${application.id}/comments`, {
        message: comment.trim(),
        internal: true,
      });
      setComment('');
      await reload();
      return t('detail.comment.added');
    });
  };

  const isClosed = closed.includes(application.status);
  return (
    <>
      <section className="office-card office-work" aria-labelledby="work-title">
        <h2 id="work-title">{t('detail.work.title')}</h2>
        <p>
          {t('detail.work.assignedTo', { assignee: assigneeText(t, application.assignedTo, accountId()) })}
        </p>
        {isClosed && <p>{t('detail.work.closed')}</p>}
        {application.status === 'info_requested' && <p>{t('detail.work.waiting')}</p>}
        {!isClosed && (application.status === 'submitted' || !mine) && (
          <div className="office-actions">
            {application.status === 'submitted' && (
              <button
                type="button"
                className="office-button primary"
                disabled={busy}
                onClick={() => void take('start-review')}
              >
                {t('detail.work.start')}
              </button>
            )}
            {!mine && (
              <button
                type="button"
                className="office-button secondary"
                disabled={busy}
                onClick={() => void take('assign')}
              >
                {t('detail.work.assign')}
              </button>
            )}
          </div>
        )}
        {application.status === 'submitted' && <p className="office-muted">{t('detail.work.notInReview')}</p>}

        {application.status === 'in_review' && step && (
          <div className="office-decision">
            <h3>{t('detail.decision.title')}</h3>
            {!mayDecide && <p>{t('detail.work.role', { role: t(`roles.${step.role}`) })}</p>}
            {mayDecide && (
              <>
                <label htmlFor="decision-message">{t('detail.decision.message')}</label>
                <p id="decision-message-help" className="office-muted">
                  {t('detail.decision.messageHelp')}
                </p>
                {messageError && (
                  <p id="decision-message-error" className="office-field-error">
                    {t('detail.decision.messageRequired')}
                  </p>
                )}
                <textarea
                  id="decision-message"
                  ref={messageField}
                  rows={4}
                  maxLength={2000}
                  value={message}
                  aria-invalid={messageError || undefined}
                  aria-describedby={
                    messageError ? 'decision-message-error decision-message-help' : 'decision-message-help'
                  }
                  onChange={(e) => setMessage(e.target.value)}
                />
                <div className="office-actions">
                  {decisionOrder
                    .filter((d) => step.decisions.includes(d))
                    .map((d) => (
                      <button
                        key={d}
                        type="button"
                        disabled={busy}
                        className={`office-button ${d === 'approve' ? 'primary' : d === 'reject' ? 'danger' : 'secondary'}`}
                        onClick={() => decide(d)}
                      >
                        {t(`detail.decision.${d}`)}
                      </button>
                    ))}
                </div>
              </>
            )}
          </div>
        )}
        <div role="status" className="office-status">
          {notice}
        </div>
        {problem && <ProblemMessage error={problem} />}
      </section>

      <section className="office-card" aria-labelledby="comment-title">
        <h2 id="comment-title">{t('detail.comment.title')}</h2>
        <form onSubmit={addComment}>
          <label htmlFor="comment">{t('detail.comment.label')}</label>
          {commentError && (
            <p id="comment-error" className="office-field-error">
              {t('detail.comment.required')}
            </p>
          )}
          <textarea
            id="comment"
            ref={commentField}
            rows={3}
            maxLength={2000}
            value={comment}
            aria-invalid={commentError || undefined}
            aria-describedby={commentError ? 'comment-error' : undefined}
            onChange={(e) => setComment(e.target.value)}
          />
          <div className="office-actions">
            <button type="submit" className="office-button secondary" disabled={busy}>
              {t('detail.comment.button')}
            </button>
          </div>
        </form>
      </section>
    </>
  );
}

function Timeline({ events }: { events: TimelineEvent[] }) {
  const { t } = useOfficeTranslation();
  const me = accountId();
  const actor = (e: TimelineEvent) =>
    e.actor === 'agent'
      ? e.actorId && e.actorId === me
        ? t('detail.actor.you')
        : t('detail.actor.agent')
      : t(`detail.actor.${e.actor === 'citizen' ? 'citizen' : 'system'}`);
  const what = (e: TimelineEvent) => {
    if (e.kind === 'transition') {
      const status = e.to ? t(`status.${e.to}`, { defaultValue: e.to }) : '';
      const decision = e.decision ? t(`detail.decisions.${e.decision}`, { defaultValue: e.decision }) : '';
      return `${t('detail.event.transition', { status })}${decision ? ` (${decision})` : ''}`;
    }
    if (e.kind === 'assignment')
      return t('detail.event.assignment', { assignee: assigneeText(t, e.message, me) });
    return t('detail.event.comment');
  };
  return (
    <section className="office-card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('detail.timeline')}</h2>
      <ol className="office-timeline">
        {events.map((e, i) => (
          // Events have no id; their order is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
          <li key={i} className={e.internal ? 'internal' : undefined}>
            <p className="office-event-head">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time> · {actor(e)}
              {e.internal && <span className="office-badge office-internal">{t('detail.internal')}</span>}
            </p>
            <p>{what(e)}</p>
            {e.message && e.kind !== 'assignment' && <blockquote>{e.message}</blockquote>}
          </li>
        ))}
      </ol>
    </section>
  );
}
