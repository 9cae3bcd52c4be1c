import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, api } from '../api.ts';
import { ProblemAlert } from '../Problem.tsx';

/** The refusals the API words by `reason`, and the field each one is about. */
const fieldOf: Record<string, 'current' | 'new'> = {
  'wrong-current-password': 'current',
  locked: 'current',
  'too-short': 'new',
  'too-long': 'new',
  common: 'new',
  'contains-nin': 'new',
  unchanged: 'new',
};
type Refusal = { field: 'current' | 'new' | 'again' | undefined; key: string };

function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  if (error.code === 'rate-limited') return { field: undefined, key: 'rate-limited' };
  const reason = typeof error.extra.reason === 'string' ? error.extra.reason : '';
  return fieldOf[reason] ? { field: fieldOf[reason], key: reason } : undefined;
}

/**
 * Changes the password with the current one; the server then signs the account out everywhere
 * but here. `nin` fills the hidden username field password managers look for.
 */
export function ChangePassword({ nin, onChanged }: { nin?: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal>();
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();
  const invalid = (field: Refusal['field']) =>
    refusal?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'password-error' } : {};

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t('superapp.password.title')}</h2>
      <p aria-live="polite" className="status">
        {said}
      </p>
      {refusal && !refusal.field && (
        <p role="alert" className="alert">
          {t(`superapp.password.error.${refusal.key}`)}
        </p>
      )}
      {error && <ProblemAlert error={error} />}
      <form
        className="contact"
        onSubmit={async (e) => {
          e.preventDefault();
          setRefusal(undefined);
          setError(undefined);
          setSaid(undefined);
          if (next !== again) return setRefusal({ field: 'again', key: 'mismatch' });
          setBusy(true);
          try {
            await api('POST', '/me/password', { currentPassword: current, newPassword: next });
            setCurrent('');
            setNext('');
            setAgain('');
            setSaid(t('superapp.password.changed'));
            onChanged();
          } catch (err) {
            const known = refusalOf(err);
            if (known) setRefusal(known);
            else setError(err as Error);
          } finally {
            setBusy(false);
          }
        }}
      >
        {nin && <input type="text" name="username" autoComplete="username" value={nin} readOnly hidden />}
        <label htmlFor="password-current">{t('superapp.password.current')}</label>
        <input
          id="password-current"
          type="password"
          autoComplete="current-password"
          maxLength={256}
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          {...invalid('current')}
        />
        <label htmlFor="password-new">{t('superapp.password.new')}</label>
        <input
          id="password-new"
          type="password"
          autoComplete="new-password"
          maxLength={256}
          required
          aria-describedby={refusal?.field === 'new' ? 'password-error password-policy' : 'password-policy'}
          aria-invalid={refusal?.field === 'new' || undefined}
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <small id="password-policy">{t('superapp.password.policy')}</small>
        <label htmlFor="password-again">{t('superapp.password.again')}</label>
        <input
          id="password-again"
          type="password"
          autoComplete="new-password"
          maxLength={256}
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          {...invalid('again')}
        />
        {refusal?.field && (
          <p id="password-error" role="alert" className="alert">
            {t(`superapp.password.error.${refusal.key}`)}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {t('superapp.password.submit')}
        </button>
      </form>
    </section>
  );
}
