import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { type Language, languages, setLanguage } from '../i18n/index.ts';
import { ns } from './i18n.ts';
import './public.css';

/** The frame of a public page: the brand, the language switch, the page, the footer. */
export function PublicPage({ title, children }: { title: string; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const { t: tp } = useTranslation(ns);
  useEffect(() => {
    document.title = `${title} — ${t('app.name')}`;
  }, [title, t]);
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="header public-header">
        <a className="brand home-link" href="/" aria-label={tp('page.home')}>
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span className="brand-name">{t('app.name')}</span>
        </a>
        <label className="language">
          <span>{t('language.label')}</span>
          <select value={i18n.language} onChange={(e) => void setLanguage(e.target.value as Language)}>
            {languages.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" className="main public">
        {children}
      </main>
      <footer className="footer">{t('footer.text')}</footer>
    </>
  );
}
