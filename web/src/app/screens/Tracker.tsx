import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { download } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';
import { partnerLabel, serviceLabel } from './labels.ts';

interface Access {
  at: string;
  client: string;
  organisation: string | null;
  service: string;
  basis: string | null;
  status: number;
  refused: boolean;
}

/** Who read (or tried to read) my data through the bridge, when and under what. */
export default function Tracker() {
  const { t } = useTranslation();
  const accesses = useApi<{ items: Access[] }>('/me/data-accesses?limit=100');
  const [error, setError] = useState<Error>();
  return (
    <>
      <h1>{t('superapp.tracker.title')}</h1>
      <p>{t('superapp.tracker.intro')}</p>
      {(accesses.error || error) && <ProblemAlert error={(accesses.error ?? error)!} />}
      <button
        type="button"
        className="secondary"
        onClick={() =>
          download('/me/data-accesses?format=csv&limit=500', 'jokko-data-accesses.csv').catch(setError)
        }
      >
        {t('superapp.tracker.export')}
      </button>
      {accesses.data?.items.length === 0 && <p>{t('superapp.tracker.none')}</p>}
      <ul className="accesses">
        {accesses.data?.items.map((a) => (
          <li key={`${a.at}-${a.client}-${a.service}`} className={a.refused ? 'card refused' : 'card'}>
            <strong>{a.organisation ?? partnerLabel(a.client)}</strong>
            <span>{serviceLabel(t, a.service)}</span>
            <time dateTime={a.at}>{formatDateTime(a.at)}</time>
            <span>
              {a.refused
                ? t('superapp.tracker.refused')
                : a.basis && /^[0-9a-f-]{36}$/.test(a.basis)
                  ? t('superapp.tracker.underConsent')
                  : t('superapp.tracker.underLaw', { basis: a.basis ?? '' })}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}
