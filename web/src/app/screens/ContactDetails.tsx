import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { languages } from '../../i18n/index.ts';
import { api } from '../api.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useApi } from '../useApi.ts';

interface Contact {
  email: string | null;
  phone: string | null;
  language: string;
  updatedAt: string | null;
}

/** Where my messages also go (e-mail, SMS) besides the app, and their language. */
export function ContactDetails() {
  const { t } = useTranslation();
  const contact = useApi<Contact>('/me/contact');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [language, setLanguage] = useState('fr');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [said, setSaid] = useState<string>();
  useEffect(() => {
    if (!contact.data) return;
    setEmail(contact.data.email ?? '');
    setPhone(contact.data.phone ?? '');
    setLanguage(contact.data.language);
  }, [contact.data]);
  return (
    <section className="card" aria-labelledby="contact-title">
      <h2 id="contact-title">{t('superapp.settings.contact.title')}</h2>
      <p>{t('superapp.settings.contact.intro')}</p>
      <p aria-live="polite" className="status">
        {said}
      </p>
      {(contact.error || error) && <ProblemAlert error={(contact.error ?? error)!} />}
      <form
        className="contact"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          setSaid(undefined);
          try {
            await api('PUT', '/me/contact', {
              email: email.trim() || null,
              phone: phone.trim() || null,
              language,
            });
            setSaid(t('superapp.settings.contact.saved'));
            await contact.reload();
          } catch (err) {
            setError(err as Error);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label htmlFor="contact-email">{t('superapp.settings.contact.email')}</label>
        <input
          id="contact-email"
          type="email"
          autoComplete="email"
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="contact-phone">{t('superapp.settings.contact.phone')}</label>
        <input
          id="contact-phone"
          type="tel"
          autoComplete="tel"
          maxLength={32}
          aria-describedby="contact-phone-hint"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
        />
        <small id="contact-phone-hint">{t('superapp.settings.contact.phoneHint')}</small>
        <label htmlFor="contact-language">{t('superapp.settings.contact.language')}</label>
        <select id="contact-language" value={language} onChange={(e) => setLanguage(e.target.value)}>
          {languages.map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.name}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy || !contact.data}>
          {t('superapp.settings.contact.save')}
        </button>
      </form>
    </section>
  );
}
