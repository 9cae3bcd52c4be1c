import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import { useApi } from '../useApi.ts';
import { Approvals } from './Approvals.tsx';

interface Me {
  person: { givenNames: string; familyName: string };
}

export default function Home() {
  const { t } = useTranslation();
  const me = useApi<Me>('/me');
  const requests = useApi<{ items: unknown[] }>('/me/consent-requests');
  const pending = requests.data?.items.length ?? 0;
  return (
    <>
      <h1>
        {me.data ? t('superapp.home.hello', { name: me.data.person.givenNames }) : t('superapp.home.title')}
      </h1>
      {me.error && <ProblemAlert error={me.error} />}
      <Approvals />
      <section className="card" aria-labelledby="attention">
        <h2 id="attention">{t('superapp.home.attention')}</h2>
        {pending > 0 ? (
          <p>
            <a
              href="/app/consents"
              onClick={(e) => {
                e.preventDefault();
                navigate('consents');
              }}
            >
              {t('superapp.home.pendingRequests', { count: pending })}
            </a>
          </p>
        ) : (
          <p>{requests.loading ? t('superapp.loading') : t('superapp.home.nothing')}</p>
        )}
      </section>
      <ul className="shortcuts">
        {(['data', 'consents', 'tracker'] as const).map((route) => (
          <li key={route}>
            <a
              href={`/app/${route}`}
              className="card shortcut"
              onClick={(e) => {
                e.preventDefault();
                navigate(route);
              }}
            >
              <strong>{t(`superapp.nav.${route}`)}</strong>
              <span>{t(`superapp.home.${route}Hint`)}</span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
