import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { formatDate } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';

interface ConnectedApp {
  id: string;
  client: { id: string; name: string };
  grantedAt: string | null;
}

/** The services I let sign me in; withdrawing one ends its access at once. */
export function ConnectedApps() {
  const { t } = useTranslation();
  const apps = useApi<{ items: ConnectedApp[] }>('/me/connected-apps');
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();
  return (
    <section className="card" aria-labelledby="apps-title">
      <h2 id="apps-title">{t('superapp.apps.title')}</h2>
      <p aria-live="polite" className="status">
        {said}
      </p>
      {(apps.error || error) && <ProblemAlert error={(apps.error ?? error)!} />}
      {apps.data?.items.length === 0 && <p>{t('superapp.apps.none')}</p>}
      <ul className="accesses">
        {apps.data?.items.map((a) => (
          <li key={a.id}>
            <strong>{a.client.name}</strong>
            {a.grantedAt && <span>{t('superapp.apps.since', { date: formatDate(a.grantedAt) })}</span>}
            <button
              type="button"
              className="danger"
              onClick={async () => {
                setError(undefined);
                try {
                  await api('DELETE', `/me/connected-apps/${a.id}`);
                  setSaid(t('superapp.apps.withdrawn', { client: a.client.name }));
                  await apps.reload();
                } catch (err) {
                  setError(err as Error);
                }
              }}
            >
              {t('superapp.apps.withdraw', { client: a.client.name })}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
