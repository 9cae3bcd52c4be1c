import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api.ts';
import { accountId } from './auth.ts';
import { formatDate, localized, useOfficeTranslation, usePageTitle } from './i18n.ts';
import { applicantName, assigneeText, slaText, slaTone } from './labels.ts';
import { ProblemMessage } from './ProblemMessage.tsx';
import { applicationPath, navigate, queuePath, rememberQueue } from './router.ts';
import type { Application, ApplicationStatus, Me, ProcedureSummary } from './types.ts';

const statuses: ApplicationStatus[] = [
  'submitted',
  'in_review',
  'info_requested',
  'approved',
  'rejected',
  'completed',
  'withdrawn',
];
const pageSize = 25;

interface Filters {
  status: string;
  procedure: string;
  assigned: string;
  overdue: boolean;
  reference: string;
}

const filtersOf = (search: string): Filters => {
  const q = new URLSearchParams(search);
  return {
    status: q.get('status') ?? '',
    procedure: q.get('procedure') ?? '',
    assigned: q.get('assigned') ?? 'any',
    overdue: q.get('overdue') === 'true',
    reference: q.get('reference') ?? '',
  };
};

/** The filters as the page's query string (shareable, kept on reload) and as the API's. */
const queryOf = (f: Filters) => {
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.procedure) q.set('procedure', f.procedure);
  if (f.assigned && f.assigned !== 'any') q.set('assigned', f.assigned);
  if (f.overdue) q.set('overdue', 'true');
  if (f.reference.trim()) q.set('reference', f.reference.trim());
  return q;
};

/** The administration's queue: nearest deadline first, filters, selection and the bulk actions. */
export function QueuePage({ search, me }: { search: string; me: Me }) {
  const { t } = useOfficeTranslation();
  usePageTitle(t('queue.title'));
  const applied = filtersOf(search);
  const appliedKey = queryOf(applied).toString();
  const [form, setForm] = useState<Filters>(applied);
  /** Keyset paging: the cursors that led to this page, for these filters only. */
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key: appliedKey, cursors: [] });
  const cursors = paging.key === appliedKey ? paging.cursors : [];
  const setCursors = (change: (c: string[]) => string[]) =>
    setPaging({ key: appliedKey, cursors: change(cursors) });
  /** Only the latest request's answer is shown, whatever order the answers arrive in. */
  const latest = useRef(0);
  const [items, setItems] = useState<Application[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error>();
  const [procedures, setProcedures] = useState<ProcedureSummary[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<{
    done: number;
    refused: Array<{ reference: string; reason: string }>;
  }>();
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const after = cursors[cursors.length - 1];

  const filtersBox = useRef<HTMLDetailsElement>(null);
  const activeFilters = [...new URLSearchParams(appliedKey).keys()].length;
  useEffect(() => {
    heading.current?.focus();
    // Filters are open on a desk, folded on a phone, where the applications come first.
    if (filtersBox.current && matchMedia('(min-width: 40.01rem)').matches) filtersBox.current.open = true;
  }, []);
  useEffect(() => {
    setForm(filtersOf(`?${appliedKey}`));
    rememberQueue(appliedKey ? `?${appliedKey}` : '');
  }, [appliedKey]);
  useEffect(() => {
    void api<{ items: ProcedureSummary[] }>('GET', '/procedures').then(
      (r) => setProcedures(r.items.filter((p) => p.owner === me.organisation)),
      () => setProcedures([]),
    );
  }, [me.organisation]);

  const load = useCallback(async () => {
    const q = new URLSearchParams(appliedKey);
    q.set('limit', String(pageSize));
    if (after) q.set('after', after);
    const request = ++latest.current;
    try {
      const page = await api<{ items: Application[]; next: string | null }>(
        'GET',
        `/office/applications?${q}`,
      );
      if (request !== latest.current) return;
      setItems(page.items);
      setNext(page.next);
      setError(undefined);
    } catch (err) {
      if (request === latest.current) setError(err as Error);
    }
    setSelected(new Set());
  }, [appliedKey, after]);
  useEffect(() => {
    void load();
  }, [load]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setOutcome(undefined);
    const q = queryOf(form).toString();
    navigate(queuePath(q ? `?${q}` : ''));
  };

  const bulk = async (action: 'assign' | 'start-review') => {
    setBusy(true);
    try {
      const result = await api<{ done: string[]; refused: Array<{ id: string; reason: string }> }>(
        'POST',
        '/office/applications/bulk',
        { action, ids: [...selected] },
      );
      const referenceOf = (id: string) => items?.find((a) => a.id === id)?.reference ?? id;
      setOutcome({
        done: result.done.length,
        refused: result.refused.map((r) => ({ reference: referenceOf(r.id), reason: r.reason })),
      });
      setError(undefined);
      await load();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const titleOf = (id: string) => {
    const p = procedures.find((x) => x.id === id);
    return p ? localized(p.title) : id;
  };
  const allSelected = !!items?.length && items.every((a) => selected.has(a.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const copy = new Set(s);
      if (copy.has(id)) copy.delete(id);
      else copy.add(id);
      return copy;
    });
  const myId = accountId();

  return (
    <section className="office-queue" aria-labelledby="queue-title">
      <h1 id="queue-title" ref={heading} tabIndex={-1}>
        {t('queue.title')}
      </h1>

      <details className="office-filters-box" ref={filtersBox}>
        <summary>
          {t('queue.filters')}
          {activeFilters > 0 && <span className="office-count"> ({activeFilters})</span>}
        </summary>
        <form className="office-filters" onSubmit={apply} aria-label={t('queue.filters')}>
          <label>
            <span>{t('queue.status')}</span>
            <select value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
              <option value="">{t('queue.statusOpen')}</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t('queue.procedure')}</span>
            <select value={form.procedure} onChange={(e) => setForm({ ...form, procedure: e.target.value })}>
              <option value="">{t('queue.allProcedures')}</option>
              {procedures.map((p) => (
                <option key={p.id} value={p.id}>
                  {localized(p.title)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t('queue.assigned')}</span>
            <select value={form.assigned} onChange={(e) => setForm({ ...form, assigned: e.target.value })}>
              <option value="any">{t('queue.assignedAny')}</option>
              <option value="me">{t('queue.assignedMe')}</option>
              <option value="none">{t('queue.assignedNone')}</option>
            </select>
          </label>
          <label>
            <span>{t('queue.reference')}</span>
            <input
              type="search"
              value={form.reference}
              maxLength={40}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setForm({ ...form, reference: e.target.value })}
            />
          </label>
          <label className="office-check">
            <input
              type="checkbox"
              checked={form.overdue}
              onChange={(e) => setForm({ ...form, overdue: e.target.checked })}
            />
            <span>{t('queue.overdue')}</span>
          </label>
          <div className="office-actions">
            <button type="submit" className="office-button primary">
              {t('queue.apply')}
            </button>
            {appliedKey && (
              <button
                type="button"
                className="office-button secondary"
                onClick={() => {
                  setOutcome(undefined);
                  navigate(queuePath());
                }}
              >
                {t('queue.reset')}
              </button>
            )}
          </div>
        </form>
      </details>

      <fieldset className="office-bulk">
        <legend className="visually-hidden">{t('queue.bulk.label')}</legend>
        <span aria-live="polite">{t('queue.bulk.selected', { count: selected.size })}</span>
        <button
          type="button"
          className="office-button primary"
          disabled={!selected.size || busy}
          onClick={() => void bulk('start-review')}
        >
          {t('queue.bulk.start')}
        </button>
        <button
          type="button"
          className="office-button secondary"
          disabled={!selected.size || busy}
          onClick={() => void bulk('assign')}
        >
          {t('queue.bulk.assign')}
        </button>
      </fieldset>
      <div role="status" className="office-status">
        {outcome && (
          <>
            <p>{t('queue.bulk.done', { count: outcome.done })}</p>
            {outcome.refused.length > 0 && (
              <ul>
                {outcome.refused.map((r) => (
                  <li key={r.reference}>
                    {t('queue.bulk.refused', { reference: r.reference, reason: r.reason })}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
      {error && <ProblemMessage error={error} />}

      {!items && !error && <p aria-live="polite">{t('loading')}</p>}
      {items && items.length === 0 && <p className="office-empty">{t('queue.empty')}</p>}
      {items && items.length > 0 && (
        <table className="office-table">
          <caption>{t('queue.caption', { organisation: me.organisation })}</caption>
          <thead>
            <tr>
              <th scope="col" className="office-select">
                <input
                  type="checkbox"
                  aria-label={t('queue.selectAll')}
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((a) => a.id)))}
                />
              </th>
              <th scope="col">{t('queue.columns.reference')}</th>
              <th scope="col">{t('queue.columns.procedure')}</th>
              <th scope="col">{t('queue.columns.applicant')}</th>
              <th scope="col">{t('queue.columns.status')}</th>
              <th scope="col">{t('queue.columns.assigned')}</th>
              <th scope="col">{t('queue.columns.deadline')}</th>
              <th scope="col">{t('queue.columns.submitted')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} className={selected.has(a.id) ? 'selected' : undefined}>
                <td className="office-select">
                  <input
                    type="checkbox"
                    aria-label={t('queue.select', { reference: a.reference })}
                    checked={selected.has(a.id)}
                    onChange={() => toggle(a.id)}
                  />
                </td>
                <th scope="row" data-label={t('queue.columns.reference')}>
                  <a
                    href={applicationPath(a.id)}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(applicationPath(a.id));
                    }}
                  >
                    {a.reference}
                  </a>
                </th>
                <td data-label={t('queue.columns.procedure')}>{titleOf(a.procedure.id)}</td>
                <td data-label={t('queue.columns.applicant')}>
                  {applicantName(a) ?? '—'}
                  {a.nin && <span className="office-muted"> · {a.nin}</span>}
                </td>
                <td data-label={t('queue.columns.status')}>
                  <span className={`office-badge status-${a.status}`}>{t(`status.${a.status}`)}</span>
                </td>
                <td data-label={t('queue.columns.assigned')}>{assigneeText(t, a.assignedTo, myId)}</td>
                <td data-label={t('queue.columns.deadline')}>
                  <span className={`office-sla sla-${slaTone(a.slaDaysLeft)}`}>
                    {slaText(t, a.slaDaysLeft)}
                  </span>
                  {a.dueAt && (
                    <span className="office-muted office-block">
                      {t('sla.due', { date: formatDate(a.dueAt) })}
                    </span>
                  )}
                </td>
                <td data-label={t('queue.columns.submitted')}>
                  {a.submittedAt ? formatDate(a.submittedAt) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {(cursors.length > 0 || next) && (
        <nav className="office-paging" aria-label={t('queue.page', { page: cursors.length + 1 })}>
          <button
            type="button"
            className="office-button secondary"
            disabled={!cursors.length}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            {t('queue.previous')}
          </button>
          <span>{t('queue.page', { page: cursors.length + 1 })}</span>
          <button
            type="button"
            className="office-button secondary"
            disabled={!next}
            onClick={() => next && setCursors((c) => [...c, next])}
          >
            {t('queue.next')}
          </button>
        </nav>
      )}
    </section>
  );
}
