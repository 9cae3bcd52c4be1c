import { useTranslation } from 'react-i18next';
import { type Language, languages, setLanguage } from '../i18n/index.ts';

const parts = [
  { key: 'identity', available: false },
  { key: 'registries', available: true },
  { key: 'bridge', available: false },
  { key: 'consent', available: false },
  { key: 'eservices', available: false },
  { key: 'documents', available: false },
  { key: 'payments', available: false },
  { key: 'notify', available: false },
  { key: 'audit', available: true },
  { key: 'assistant', available: false },
] as const;

export function Landing() {
  const { t, i18n } = useTranslation();
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="header">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span className="brand-name">{t('app.name')}</span>
        </div>
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
      <main id="main" className="main">
        <h1>{t('landing.heading')}</h1>
        <p className="tagline">{t('app.tagline')}</p>
        <p className="intro">{t('landing.intro')}</p>
        <section aria-labelledby="parts-heading">
          <h2 id="parts-heading">{t('landing.partsHeading')}</h2>
          <ul className="parts">
            {parts.map((p) => (
              <li key={p.key} className="part">
                <h3>{t(`parts.${p.key}.name`)}</h3>
                <p>{t(`parts.${p.key}.description`)}</p>
                <span className={p.available ? 'badge badge-on' : 'badge'}>
                  {t(p.available ? 'landing.available' : 'landing.coming')}
                </span>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="dev-heading">
          <h2 id="dev-heading">{t('landing.developersHeading')}</h2>
          <nav aria-labelledby="dev-heading">
            <ul className="links">
              <li>
                <a href="/docs">{t('landing.docsLink')}</a>
              </li>
              <li>
                <a href="/health/ready">{t('landing.healthLink')}</a>
              </li>
            </ul>
          </nav>
        </section>
      </main>
      <footer className="footer">{t('footer.text')}</footer>
    </>
  );
}
