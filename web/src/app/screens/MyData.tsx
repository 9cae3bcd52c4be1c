import { useTranslation } from 'react-i18next';
import { formatDate } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
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

/** What the population register holds about me, with its source. */
export default function MyData() {
  const { t } = useTranslation();
  const me = useApi<{ person: Person }>('/me');
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
    </>
  );
}
