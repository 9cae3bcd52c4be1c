import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import { useApi } from '../useApi.ts';
import { Approvals } from './Approvals.tsx';
import type { Application } from './procedures.tsx';

interface Me {
  person: { givenNames: string; familyName: string };
}

export default function Home() {
  const { t } = useTranslation();
  const me = useApi<Me>('/me');
  const requests = useApi<{ items: unknown[] }>('/me/consent-requests');
  const applications = useApi<{ items: Application[] }>('/me/applications');
  const pending = requests.data?.items.length ?? 0;
  const waiting = applications.data?.items.filter((a) => a.status === 'info_requested') ?? [];
  const link = (path: 'consents' | 'services' | `services/${string}`, text: string) => (
    <p>
      <a
        href={`/app/${path}`}
        onClick={(e) => {
          e.preventDefault();
          navigate(path);
        }}
      >
        {text}
      </a>
    </p>
  );
  return (
    <>
      <h1>
        {me.data ? t('superapp.home.hello', { name: me.data.person.givenNames }) : t('superapp.home.title')}
      </h1>
      {me.error && <ProblemAlert error={me.error} />}
      <Approvals />
      <section className="card" aria-labelledby="attention">
        <h2 id="attention">{t('superapp.home.attention')}</h2>
        {pending > 0 && link('consents', t('superapp.home.pendingRequests', { count: pending }))}
        {waiting.length > 0 &&
          link(
            waiting.length === 1 ? `services/${waiting[0]!.id}` : 'services',
            t('superapp.home.infoRequested', { count: waiting.length }),
          )}
        {pending === 0 && waiting.length === 0 && (
          <p>{requests.loading ? t('superapp.loading') : t('superapp.home.nothing')}</p>
        )}
      </section>
      <ul className="shortcuts">
        {(['documents', 'services', 'data', 'consents', 'tracker'] as const).map((route) => (
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
