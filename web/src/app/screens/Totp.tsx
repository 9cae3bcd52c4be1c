import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ProblemAlert } from '../Problem.tsx';

interface Enrolment {
  factorId: string;
  secret: string;
  qrSvg: string;
}

/** Adds an authenticator app (TOTP): scan the QR or type the key, then confirm with a first code. */
export function AddTotp({ onAdded }: { onAdded: () => void }) {
  const { t } = useTranslation();
  const [enrolment, setEnrolment] = useState<Enrolment>();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  if (!enrolment)
    return (
      <>
        {error && <ProblemAlert error={error} />}
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => run(async () => setEnrolment(await api<Enrolment>('POST', '/me/totp')))}
        >
          {t('superapp.totp.add')}
        </button>
      </>
    );
  return (
    <form
      className="passkey"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await api('POST', `/me/totp/${enrolment.factorId}/confirm`, { code: code.replace(/\s/g, '') });
          setEnrolment(undefined);
          onAdded();
        });
      }}
    >
      <p>{t('superapp.totp.scan')}</p>
      <img
        className="qr"
        alt={t('superapp.totp.qr')}
        width="200"
        height="200"
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
      />
      <p>
        {t('superapp.totp.orKey')} <code className="totp-secret">{enrolment.secret}</code>
      </p>
      {error && <ProblemAlert error={error} />}
      <label htmlFor="totp-code">{t('superapp.totp.code')}</label>
      <input
        id="totp-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={8}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        required
      />
      <button type="submit" className="primary" disabled={busy}>
        {t('superapp.totp.confirm')}
      </button>
    </form>
  );
}
