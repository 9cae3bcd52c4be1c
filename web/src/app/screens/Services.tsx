import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../api.ts';
import { formatDate, formatMoney } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import { useApi } from '../useApi.ts';
import { type Application, fold, localized, type ProcedureSummary, StatusBadge } from './procedures.tsx';

interface Search {
  q: string;
  items: ProcedureSummary[];
  /** Searched in the catalogue kept on the phone, the network being unreachable. */
  offline?: boolean;
}

/** The catalogue kept on the phone, searched as the server does (every language, accents folded). */
function searchKept(items: ProcedureSummary[], q: string): ProcedureSummary[] {
  const words = fold(q).split(/\s+/).filter(Boolean);
  return items.filter((p) => {
    const text = fold([...Object.values(p.title), ...Object.values(p.summary), p.owner, p.id].join(' '));
    return words.every((w) => text.includes(w));
  });
}

/** Public procedures to apply for, and my applications with where each stands. */
export default function Services() {
  const { t, i18n } = useTranslation();
  const catalogue = useApi<{ items: ProcedureSummary[] }>('/procedures');
  const mine = useApi<{ items: Application[] }>('/me/applications');
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState<Search>();
  const [starting, setStarting] = useState<string>();
  const [error, setError] = useState<Error>();

  // Searches as the citizen types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  useEffect(() => {
    if (!q) return setSearch(undefined);
    let live = true;
    api<{ items: ProcedureSummary[] }>('GET', `/procedures?q=${encodeURIComponent(q)}`)
      .then((found) => live && setSearch({ q, items: found.items }))
      .catch(
        () => live && setSearch({ q, items: searchKept(catalogue.data?.items ?? [], q), offline: true }),
      );
    return () => {
      live = false;
    };
  }, [q, catalogue.data]);

  async function start(procedure: ProcedureSummary) {
    setStarting(procedure.id);
    setError(undefined);
    try {
      const created = await api<Application>('POST', '/me/applications', {
        procedure: procedure.id,
        language: i18n.language,
      });
      navigate(`services/${created.id}`);
    } catch (err) {
      setError(err as Error);
      setStarting(undefined);
    }
  }

  const titles = new Map((catalogue.data?.items ?? []).map((p) => [p.id, p.title]));
  const shown = search ? search.items : (catalogue.data?.items ?? []);
  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    setQ(typed.trim());
  };

  return (
    <>
      <h1>{t('superapp.services.title')}</h1>
      <p>{t('superapp.services.intro')}</p>
      {error instanceof ApiProblem && error.code === 'application-not-eligible' ? (
        <p role="alert" className="alert">
          {t('superapp.application.notEligible', { reason: error.detail ?? error.title })}
        </p>
      ) : (
        error && <ProblemAlert error={error} />
      )}

      {(mine.data?.items.length ?? 0) > 0 && (
        <section aria-labelledby="mine-title">
          <h2 id="mine-title">{t('superapp.services.mine')}</h2>
          <ul className="shortcuts">
            {mine.data?.items.map((a) => (
              <li key={a.id}>
                <a
                  href={`/app/services/${a.id}`}
                  className="card shortcut"
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`services/${a.id}`);
                  }}
                >
                  <strong>{localized(titles.get(a.procedure.id)) || a.procedure.id}</strong>
                  <span>{t('superapp.services.reference', { reference: a.reference })}</span>
                  <span>
                    <StatusBadge status={a.status} />{' '}
                    {t('superapp.services.updated', { date: formatDate(a.updatedAt) })}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {mine.error && <ProblemAlert error={mine.error} />}

      <section aria-labelledby="catalogue-title">
        <h2 id="catalogue-title">{t('superapp.services.catalogue')}</h2>
        <search>
          <form className="search" onSubmit={submitSearch}>
            <label htmlFor="service-search">{t('superapp.services.search')}</label>
            <p id="service-search-hint" className="hint">
              {t('superapp.services.searchHint')}
            </p>
            <div className="search-row">
              <input
                id="service-search"
                type="search"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                aria-describedby="service-search-hint"
                autoComplete="off"
                maxLength={100}
              />
              <button type="submit" className="secondary">
                {t('superapp.services.searchButton')}
              </button>
            </div>
          </form>
        </search>
        <p role="status" className="hint">
          {search &&
            (search.items.length
              ? t('superapp.services.results', { count: search.items.length })
              : t('superapp.services.noResult', { q: search.q }))}
          {search?.offline && ` ${t('superapp.services.offlineSearch')}`}
        </p>
        {catalogue.error && !catalogue.data && <ProblemAlert error={catalogue.error} />}
        {catalogue.loading && !catalogue.data && <p aria-live="polite">{t('superapp.loading')}</p>}
        <ul className="procedures">
          {shown.map((p) => (
            <li key={p.id} className="card">
              <h3>{localized(p.title)}</h3>
              <p>{localized(p.summary)}</p>
              <p className="facts">
                <span>
                  {p.fee.amount > 0
                    ? t('superapp.services.fee', { amount: formatMoney(p.fee.amount, p.fee.currency) })
                    : t('superapp.services.free')}
                </span>
                <span>{t('superapp.services.target', { count: p.targetDays })}</span>
              </p>
              <button
                type="button"
                className="primary"
                disabled={starting !== undefined}
                aria-label={t('superapp.services.startLabel', { title: localized(p.title) })}
                onClick={() => void start(p)}
              >
                {starting === p.id ? t('superapp.loading') : t('superapp.services.start')}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
