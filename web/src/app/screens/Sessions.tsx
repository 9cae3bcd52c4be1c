import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';

interface SignInSession {
  id: string;
  startedAt: string;
  lastUsedAt: string | null;
  clients: Array<{ id: string; name: string }>;
  device: { browser: string | null; os: string | null } | null;
  current: boolean;
}

/** "Chrome on Android", or whichever half the server could tell, in the page's language. */
export function useDeviceName() {
  const { t } = useTranslation();
  return (device: SignInSession['device']) =>
    device?.browser && device.os
      ? t('superapp.sessions.device', { browser: device.browser, os: device.os })
      : (device?.browser ?? device?.os ?? t('superapp.sessions.unknownDevice'));
}

/** Where my account is signed in; ending a session also ends the access of the apps opened in it. */
export function Sessions() {
  const { t } = useTranslation();
  const deviceName = useDeviceName();
  const sessions = useApi<{ items: SignInSession[] }>('/me/sessions');
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();
  // This device first, then the others, the newest first (the server's order).
  const items = [...(sessions.data?.items ?? [])].sort((a, b) => Number(b.current) - Number(a.current));
  const others = items.filter((s) => !s.current);

  const run = async (key: string, action: () => Promise<string>) => {
    setBusy(key);
    setError(undefined);
    setSaid(undefined);
    try {
      setSaid(await action());
      await sessions.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('superapp.sessions.title')}</h2>
      <p>{t('superapp.sessions.intro')}</p>
      <p aria-live="polite" className="status">
        {said}
      </p>
      {(sessions.error || error) && <ProblemAlert error={(sessions.error ?? error)!} />}
      {sessions.loading && !sessions.data && <p aria-live="polite">{t('superapp.loading')}</p>}
      <ul className="accesses sessions">
        {items.map((s) => {
          const name = deviceName(s.device);
          return (
            <li key={s.id} className={s.current ? 'current' : undefined}>
              <strong>
                {name} {s.current && <span className="badge">{t('superapp.sessions.current')}</span>}
              </strong>
              <span className="hint">
                {t('superapp.sessions.started', { date: formatDateTime(s.startedAt) })}
              </span>
              {s.lastUsedAt && (
                <span className="hint">
                  {t('superapp.sessions.lastUsed', { date: formatDateTime(s.lastUsedAt) })}
                </span>
              )}
              {s.clients.length > 0 && (
                <span className="hint">
                  {t('superapp.sessions.apps', { apps: s.clients.map((c) => c.name).join(', ') })}
                </span>
              )}
              {!s.current && (
                <button
                  type="button"
                  className="danger"
                  disabled={busy !== undefined}
                  aria-busy={busy === s.id}
                  onClick={() =>
                    run(s.id, async () => {
                      await api('DELETE', `/me/sessions/${s.id}`);
                      return t('superapp.sessions.ended', { device: name });
                    })
                  }
                >
                  {t('superapp.sessions.end', { device: name })}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {others.length > 0 && (
        <button
          type="button"
          className="secondary"
          disabled={busy !== undefined}
          aria-busy={busy === 'others'}
          onClick={() =>
            run('others', async () => {
              const { ended } = await api<{ ended: number }>('POST', '/me/sessions/sign-out-others');
              return t('superapp.sessions.endedOthers', { count: ended });
            })
          }
        >
          {t('superapp.sessions.endOthers')}
        </button>
      )}
    </section>
  );
}
