import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { formatDate } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';
import { partnerLabel, serviceLabel } from './labels.ts';

interface Item {
  service: string;
  fields?: string[];
}
interface Request {
  id: string;
  partner: string;
  partnerName: string | null;
  items: Item[];
  purpose: { code: string; text: string };
  validDays: number;
  expiresAt: string;
}
interface Consent {
  id: string;
  partner: string;
  partnerName: string | null;
  items: Item[];
  purpose: { code: string; text: string };
  validUntil: string;
  status: 'ACTIVE' | 'PAUSED' | 'REVOKED' | 'EXPIRED';
  uses: number;
}

/** Who may read what about me: requests to answer, consents to pause, resume or revoke. */
export default function Consents() {
  const { t } = useTranslation();
  const requests = useApi<{ items: Request[] }>('/me/consent-requests');
  const consents = useApi<{ items: Consent[] }>('/me/consents');
  const [busy, setBusy] = useState<string>();
  const [confirmRevoke, setConfirmRevoke] = useState<string>();
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();

  async function act(id: string, run: () => Promise<unknown>, message: string) {
    setBusy(id);
    setError(undefined);
    try {
      await run();
      setSaid(message);
      await Promise.all([requests.reload(), consents.reload()]);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(undefined);
      setConfirmRevoke(undefined);
    }
  }

  /** A button that pauses, resumes or revokes a consent, then says so. */
  const changeButton = (
    c: Consent,
    action: 'pause' | 'resume' | 'revoke',
    className: string,
    label: string,
    done: string,
  ) => (
    <button
      type="button"
      className={className}
      disabled={busy === c.id}
      onClick={() =>
        act(
          c.id,
          () => api('POST', `/me/consents/${c.id}/status`, { action }),
          t(`superapp.consents.${done}`),
        )
      }
    >
      {t(`superapp.consents.${label}`)}
    </button>
  );

  const items = (list: Item[]) => (
    <ul>
      {list.map((i) => (
        <li key={i.service}>
          {serviceLabel(t, i.service)}
          {i.fields?.length ? (
            <small> ({t('superapp.consents.onlyFields', { count: i.fields.length })})</small>
          ) : null}
        </li>
      ))}
    </ul>
  );

  return (
    <>
      <h1>{t('superapp.consents.title')}</h1>
      <p aria-live="polite" className="status">
        {said}
      </p>
      {error && <ProblemAlert error={error} />}
      {(requests.error || consents.error) && <ProblemAlert error={(requests.error ?? consents.error)!} />}
      <section aria-labelledby="requests-title">
        <h2 id="requests-title">{t('superapp.consents.requests')}</h2>
        {requests.data?.items.length === 0 && <p>{t('superapp.consents.noRequests')}</p>}
        {requests.data?.items.map((r) => (
          <article key={r.id} className="card" aria-label={r.partnerName ?? partnerLabel(r.partner)}>
            <h3>{t('superapp.consents.asks', { partner: r.partnerName ?? partnerLabel(r.partner) })}</h3>
            <p>{t('superapp.consents.purpose', { purpose: r.purpose.text })}</p>
            {items(r.items)}
            <p>{t('superapp.consents.validity', { count: r.validDays })}</p>
            <div className="actions">
              <button
                type="button"
                className="primary"
                disabled={busy === r.id}
                onClick={() =>
                  act(
                    r.id,
                    () => api('POST', `/me/consent-requests/${r.id}/decision`, { decision: 'approve' }),
                    t('superapp.consents.approved'),
                  )
                }
              >
                {t('superapp.consents.approve')}
              </button>
              <button
                type="button"
                className="secondary"
                disabled={busy === r.id}
                onClick={() =>
                  act(
                    r.id,
                    () => api('POST', `/me/consent-requests/${r.id}/decision`, { decision: 'deny' }),
                    t('superapp.consents.denied'),
                  )
                }
              >
                {t('superapp.consents.deny')}
              </button>
            </div>
          </article>
        ))}
      </section>
      <section aria-labelledby="consents-title">
        <h2 id="consents-title">{t('superapp.consents.given')}</h2>
        {consents.data?.items.length === 0 && <p>{t('superapp.consents.none')}</p>}
        {consents.data?.items.map((c) => (
          <article
            key={c.id}
            className="card"
            aria-label={c.partnerName ?? partnerLabel(c.partner)}
            data-consent={c.id}
          >
            <h3>{c.partnerName ?? partnerLabel(c.partner)}</h3>
            <p>
              <span className={`badge status-${c.status.toLowerCase()}`}>
                {t(`superapp.consents.status.${c.status}`)}
              </span>{' '}
              {t('superapp.consents.until', { date: formatDate(c.validUntil) })}
            </p>
            <p>{t('superapp.consents.purpose', { purpose: c.purpose.text })}</p>
            {items(c.items)}
            <p>{t('superapp.consents.uses', { count: c.uses })}</p>
            <div className="actions">
              {c.status === 'ACTIVE' && changeButton(c, 'pause', 'secondary', 'pause', 'paused')}
              {c.status === 'PAUSED' && changeButton(c, 'resume', 'secondary', 'resume', 'resumed')}
              {(c.status === 'ACTIVE' || c.status === 'PAUSED') &&
                (confirmRevoke === c.id ? (
                  changeButton(c, 'revoke', 'danger', 'confirmRevoke', 'revoked')
                ) : (
                  <button type="button" className="danger" onClick={() => setConfirmRevoke(c.id)}>
                    {t('superapp.consents.revoke')}
                  </button>
                ))}
            </div>
          </article>
        ))}
      </section>
    </>
  );
}
