import { startAuthentication } from '@simplewebauthn/browser';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';

interface Approval {
  id: string;
  client: { id: string; name: string };
  bindingMessage: string;
  expiresAt: string;
}

/**
 * "Approve on your phone": a bank or a counter started a sign-in for me (CIBA). I compare the code
 * with the one they show, then approve with my passkey, or deny.
 */
export function Approvals() {
  const { t } = useTranslation();
  const approvals = useApi<Approval[]>('/me/approvals');
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();
  if (!approvals.data?.length && !error && !said) return null;

  async function decide(a: Approval, decision: 'approve' | 'deny') {
    setBusy(a.id);
    setError(undefined);
    try {
      if (decision === 'approve') {
        const optionsJSON = await api<Parameters<typeof startAuthentication>[0]['optionsJSON']>(
          'POST',
          `/me/approvals/${a.id}/options`,
        );
        const response = await startAuthentication({ optionsJSON });
        await api('POST', `/me/approvals/${a.id}`, { decision, response });
        setSaid(t('superapp.approvals.approved', { client: a.client.name }));
      } else {
        await api('POST', `/me/approvals/${a.id}`, { decision });
        setSaid(t('superapp.approvals.denied'));
      }
      await approvals.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <section aria-labelledby="approvals-title">
      <h2 id="approvals-title">{t('superapp.approvals.title')}</h2>
      <p aria-live="polite" className="status">
        {said}
      </p>
      {error && <ProblemAlert error={error} />}
      {approvals.data?.map((a) => (
        <article key={a.id} className="card">
          <h3>{t('superapp.approvals.asks', { client: a.client.name })}</h3>
          <p>{t('superapp.approvals.compare')}</p>
          <dl>
            <dt>{t('superapp.approvals.code')}</dt>
            <dd className="binding">{a.bindingMessage}</dd>
          </dl>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy === a.id}
              onClick={() => decide(a, 'approve')}
            >
              {t('superapp.approvals.approve')}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy === a.id}
              onClick={() => decide(a, 'deny')}
            >
              {t('superapp.approvals.deny')}
            </button>
          </div>
        </article>
      ))}
    </section>
  );
}
