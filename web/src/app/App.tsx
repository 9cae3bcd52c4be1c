import { lazy, type ReactNode, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { i18next, type Language, languages, setLanguage } from '../i18n/index.ts';
import { completeSignIn, signIn, token, trySilently } from './auth.ts';
import { navigate, type Route, useLocation } from './router.ts';
import './app.css';

// Each screen is its own chunk, loaded when first opened.
const screens: Record<Route, ReturnType<typeof lazy>> = {
  '': lazy(() => import('./screens/Home.tsx')),
  documents: lazy(() => import('./screens/Documents.tsx')),
  services: lazy(() => import('./screens/Services.tsx')),
  data: lazy(() => import('./screens/MyData.tsx')),
  consents: lazy(() => import('./screens/Consents.tsx')),
  tracker: lazy(() => import('./screens/Tracker.tsx')),
  inbox: lazy(() => import('./screens/Inbox.tsx')),
  settings: lazy(() => import('./screens/Settings.tsx')),
};
const Application = lazy(() => import('./screens/Application.tsx'));
// Six tabs fit a 360 px phone. "My data" holds who read it (the tracker) and who may read it (the
// consents): both are linked from it and from home, and a pending request is on home and in the inbox.
const nav: Array<{ route: Route; key: string; icon: string; also?: Route[] }> = [
  { route: '', key: 'home', icon: '⌂' },
  { route: 'documents', key: 'documents', icon: '▣' },
  { route: 'services', key: 'services', icon: '▤' },
  { route: 'data', key: 'data', icon: '☰', also: ['tracker', 'consents'] },
  { route: 'inbox', key: 'inbox', icon: '✉' },
  { route: 'settings', key: 'settings', icon: '⚙' },
];

type State =
  | { kind: 'starting' }
  | { kind: 'signed-out'; error?: string }
  | { kind: 'signed-in' }
  /** No network and no session: what was already loaded, from the service worker's cache. */
  | { kind: 'offline' };

export default function App() {
  const { t, i18n } = useTranslation();
  const { route, item } = useLocation();
  const [state, setState] = useState<State>({ kind: 'starting' });

  useEffect(() => {
    void navigator.serviceWorker?.register('/sw.js').catch(() => undefined);
    if (token()) return setState({ kind: 'signed-in' });
    if (!navigator.onLine) return setState({ kind: 'offline' });
    if (location.pathname === '/app/callback') {
      void completeSignIn().then((outcome) => {
        if (outcome.ok) {
          history.replaceState(null, '', outcome.returnTo === '/app/callback' ? '/app' : outcome.returnTo);
          dispatchEvent(new PopStateEvent('popstate'));
          setState({ kind: 'signed-in' });
        } else {
          history.replaceState(null, '', '/app');
          setState({
            kind: 'signed-out',
            ...(outcome.error === 'login_required' ? {} : { error: outcome.error }),
          });
        }
      });
      return;
    }
    // The first screen's static button (app.html) was tapped before this code arrived.
    if (location.pathname === '/app/sign-in') {
      history.replaceState(null, '', '/app');
      void signIn({ lang: i18next.language });
      return;
    }
    // No token in memory: an identity session may still exist; ask once, without a page.
    if (trySilently()) void signIn({ silent: true });
    else setState({ kind: 'signed-out' });
  }, []);

  const Screen = route === 'services' && item ? Application : screens[route];
  return (
    <div className="app">
      <a className="skip" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="app-header">
        <span className="brand-name">{t('app.name')}</span>
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
      <main id="main" className="app-main">
        {state.kind === 'starting' && <p aria-live="polite">{t('superapp.loading')}</p>}
        {state.kind === 'signed-out' && <SignIn error={state.error} />}
        {state.kind === 'offline' && (
          <p role="status" className="status">
            {t('superapp.offline')}
          </p>
        )}
        {(state.kind === 'signed-in' || state.kind === 'offline') && (
          <Suspense fallback={<p aria-live="polite">{t('superapp.loading')}</p>}>
            <Screen key={item} />
          </Suspense>
        )}
      </main>
      {(state.kind === 'signed-in' || state.kind === 'offline') && (
        <nav className="tabs" aria-label={t('superapp.nav.label')}>
          {nav.map((n) => (
            <a
              key={n.key}
              href={n.route ? `/app/${n.route}` : '/app'}
              aria-current={route === n.route || n.also?.includes(route) ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(n.route);
              }}
            >
              <span aria-hidden="true">{n.icon}</span>
              {t(`superapp.nav.${n.key}`)}
            </a>
          ))}
        </nav>
      )}
    </div>
  );
}

function SignIn({ error }: { error?: string | undefined }): ReactNode {
  const { t, i18n } = useTranslation();
  return (
    <section className="card signin" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('superapp.signIn.title')}</h1>
      <p>{t('superapp.signIn.intro')}</p>
      {error && (
        <p role="alert" className="alert">
          {t('superapp.signIn.failed')}
        </p>
      )}
      <button type="button" className="primary" onClick={() => void signIn({ lang: i18n.language })}>
        {t('superapp.signIn.button')}
      </button>
    </section>
  );
}
