import { useTranslation } from 'react-i18next';
import { formatDate, formatMoney } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import { useApi } from '../useApi.ts';

interface Person {
  nin: string;
  givenNames: string;
  familyName: string;
  sex: 'male' | 'female';
  birthDate: string;
  birthPlace: string;
  nationality: string;
  civilStatus: string;
  address: { line: string; locality: string; regionCode: string; departmentCode: string };
  phone: string | null;
  email: string | null;
}

interface Group {
  registry: string;
  owner: { identifier: string; name: string };
  records: Array<Record<string, unknown>>;
}

const moneyFields = new Set(['declaredIncome', 'taxDue', 'taxPaid', 'monthlyPension']);

/** A record's values as the sentences show them: dates and amounts in the page's language. */
function displayed(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => {
      if (moneyFields.has(k) && typeof v === 'number') return [k, formatMoney(v)];
      if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) return [k, formatDate(v)];
      if (Array.isArray(v)) return [k, v.join(', ')];
      return [k, String(v ?? '')];
    }),
  );
}

/** What the registries hold about me, grouped by register, each with the administration it comes from. */
export default function MyData() {
  const { t } = useTranslation();
  const me = useApi<{ person: Person }>('/me');
  const records = useApi<{ items: Group[] }>('/me/records');
  const p = me.data?.person;
  const row = (label: string, value: string | null | undefined) => (
    <div className="row" key={label}>
      <dt>{label}</dt>
      <dd>{value || t('superapp.data.none')}</dd>
    </div>
  );
  return (
    <>
      <h1>{t('superapp.data.title')}</h1>
      <p>{t('superapp.data.intro')}</p>
      <ul className="shortcuts">
        {(
          [
            ['tracker', 'superapp.tracker.title', 'superapp.home.trackerHint'],
            ['consents', 'superapp.consents.title', 'superapp.home.consentsHint'],
          ] as const
        ).map(([route, title, hint]) => (
          <li key={route}>
            <a
              href={`/app/${route}`}
              className="card shortcut"
              onClick={(e) => {
                e.preventDefault();
                navigate(route);
              }}
            >
              <strong>{t(title)}</strong>
              <span>{t(hint)}</span>
            </a>
          </li>
        ))}
      </ul>
      {me.error && <ProblemAlert error={me.error} />}
      {me.loading && !p && <p aria-live="polite">{t('superapp.loading')}</p>}
      {p && (
        <section className="card" aria-labelledby="register">
          <h2 id="register">{t('superapp.registries.people')}</h2>
          <p className="source">{t('superapp.data.source', { owner: 'DAF' })}</p>
          <dl>
            {row(t('superapp.data.nin'), p.nin)}
            {row(t('superapp.data.familyName'), p.familyName)}
            {row(t('superapp.data.givenNames'), p.givenNames)}
            {row(t('superapp.data.sex'), t(`superapp.data.sexes.${p.sex}`))}
            {row(t('superapp.data.birth'), `${formatDate(p.birthDate)}, ${p.birthPlace}`)}
            {row(t('superapp.data.nationality'), p.nationality)}
            {row(
              t('superapp.data.civilStatus'),
              t(`superapp.data.civil.${p.civilStatus}`, { defaultValue: p.civilStatus }),
            )}
            {row(t('superapp.data.address'), `${p.address.line}, ${p.address.locality}`)}
            {row(t('superapp.data.phone'), p.phone)}
            {row(t('superapp.data.email'), p.email)}
          </dl>
        </section>
      )}
      <h2>{t('superapp.records.heading')}</h2>
      {records.error && <ProblemAlert error={records.error} />}
      {records.data?.items.length === 0 && <p>{t('superapp.records.none')}</p>}
      {records.data?.items.map((g) => (
        <section key={g.registry} className="card" aria-labelledby={`reg-${g.registry}`}>
          <h3 id={`reg-${g.registry}`}>{t(`superapp.registries.${g.registry}`)}</h3>
          <p className="source">{t('superapp.records.source', { owner: g.owner.name })}</p>
          <ul className="records">
            {g.records.map((r, i) => {
              const values = displayed(r);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: records have no common id; the order is stable
                <li key={i}>
                  <strong>{t(`superapp.records.${g.registry}.title`, values)}</strong>
                  <br />
                  <span>{t(`superapp.records.${g.registry}.detail`, values)}</span>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </>
  );
}
