import { startRegistration } from '@simplewebauthn/browser';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ProblemAlert } from '../Problem.tsx';

/** Adds a passkey of this phone (fingerprint, face or screen lock) to my account. */
export function AddPasskey({ onAdded }: { onAdded: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();
  return (
    <form
      className="passkey"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          const optionsJSON = await api<Parameters<typeof startRegistration>[0]['optionsJSON']>(
            'POST',
            '/me/passkeys/options',
          );
          const response = await startRegistration({ optionsJSON });
          await api('POST', '/me/passkeys', {
            name: name.trim() || t('superapp.passkeys.defaultName'),
            response,
          });
          setSaid(t('superapp.passkeys.added'));
          setName('');
          onAdded();
        } catch (err) {
          setError(err as Error);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p aria-live="polite" className="status">
        {said}
      </p>
      {error && <ProblemAlert error={error} />}
      <label htmlFor="passkey-name">{t('superapp.passkeys.name')}</label>
      <input
        id="passkey-name"
        value={name}
        maxLength={60}
        onChange={(e) => setName(e.target.value)}
        placeholder={t('superapp.passkeys.defaultName')}
      />
      <button type="submit" className="secondary" disabled={busy}>
        {t('superapp.passkeys.add')}
      </button>
    </form>
  );
}
