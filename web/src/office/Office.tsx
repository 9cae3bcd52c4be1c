import { type ReactNode, useEffect, useState } from 'react';
import { type Language, languages, setLanguage } from '../i18n/index.ts';
import { ApplicationPage } from './ApplicationPage.tsx';
import { api } from './api.ts';
import {
  type CallbackOutcome,
  completeSignIn,
  rememberAccount,
  signIn,
  signOut,
  token,
  trySilently,
} from './auth.ts';
import { useOfficeTranslation, usePageTitle } from './i18n.ts';
import { ProblemMessage } from './ProblemMessage.tsx';
import { QueuePage } from './QueuePage.tsx';
import { navigate, useRoute } from './router.ts';
import type { Me } from './types.ts';
import './office.css';

type State =
  | { kind: 'starting' }
  | { kind: 'signed-out'; error?: string }
  | { kind: 'signed-in'; me: Me }
  /** Signed in, but the API does not take this sign-in as an agent's (no role, or no second factor). */
  | { kind: 'refused'; problem: Error };

const roleOrder = ['instructor', 'decider'];

// The code is traded once even if the effect runs twice (React's development double run).
let callback: Promise<CallbackOutcome> | undefined;

/** The back-office at /office: agents work their administration's queue of applications. */
export default function Office() {
  const { t, i18n } = useOfficeTranslation();
  const route = useRoute();
  const [state, setState] = useState<State>({ kind: 'starting' });

  useEffect(() => {
    const whoAmI = () =>
      api<Me>('GET', '/office/me').then(
        (me) => {
          rememberAccount(me.id);
          setState({ kind: 'signed-in', me });
        },
        (problem: Error) => setState({ kind: 'refused', problem }),
      );
    if (token()) {
      void whoAmI();
      return;
    }
    if (location.pathname === '/office/callback') {
      callback ??= completeSignIn();
      void callback.then((outcome) => {
        if (outcome.ok) {
          navigate(outcome.returnTo, true);
          void whoAmI();
        } else {
          navigate('/office', true);
          setState({
            kind: 'signed-out',
            ...(outcome.error === 'login_required' ? {} : { error: outcome.error }),
          });
        }
      });
      return;
    }
    // No token in memory: the identity session may still be open; ask once, without a page.
    if (trySilently()) void signIn({ silent: true });
    else setState({ kind: 'signed-out' });
  }, []);

  let page: ReactNode;
  if (state.kind === 'starting')
    page = (
      <p className="office-loading" aria-live="polite">
        {t('loading')}
      </p>
    );
  else if (state.kind === 'signed-out') page = <SignIn error={state.error} />;
  else if (state.kind === 'refused')
    page = (
      <section className="office-card" aria-labelledby="refused-title">
        <h1 id="refused-title">{t('notAgent.title')}</h1>
        <p>{t('notAgent.text')}</p>
        <ProblemMessage error={state.problem} />
      </section>
    );
  else if (route.page === 'application')
    page = <ApplicationPage key={route.id} id={route.id} me={state.me} />;
  else page = <QueuePage search={route.search} me={state.me} />;

  const signedIn = state.kind === 'signed-in' || state.kind === 'refused';
  return (
    <div className="office">
      <a className="skip" href="#office-main">
        {t('skipToContent')}
      </a>
      <header className="office-header">
        <a
          className="office-brand"
          href="/office"
          onClick={(e) => {
            e.preventDefault();
            navigate('/office');
          }}
        >
          {t('brand')}
        </a>
        {state.kind === 'signed-in' && (
          <span className="office-whoami">
            {t('whoami', {
              organisation: state.me.organisation,
              roles: state.me.roles
                .map((r) => r.replace(/^eservices:/, ''))
                // The order of the work: an instructor prepares, a decider decides.
                .sort((a, b) => roleOrder.indexOf(a) - roleOrder.indexOf(b))
                .map((r) => t(`roles.${r}`, { defaultValue: r }))
                .join(', '),
            })}
          </span>
        )}
        <div className="office-header-tools">
          <label className="office-language">
            <span>{t('language')}</span>
            <select value={i18n.language} onChange={(e) => void setLanguage(e.target.value as Language)}>
              {languages.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          {signedIn && (
            <button type="button" className="office-button secondary" onClick={signOut}>
              {t('signOut')}
            </button>
          )}
        </div>
      </header>
      <main id="office-main" className="office-main" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}

function SignIn({ error }: { error?: string | undefined }) {
  const { t, i18n } = useOfficeTranslation();
  usePageTitle(t('signIn.title'));
  return (
    <section className="office-card office-signin" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('signIn.title')}</h1>
      <p>{t('signIn.intro')}</p>
      {error && (
        <p role="alert" className="office-alert">
          {t(error === 'unmet_authentication_requirements' ? 'signIn.unmet' : 'signIn.failed')}
        </p>
      )}
      <button
        type="button"
        className="office-button primary"
        onClick={() => void signIn({ lang: i18n.language })}
      >
        {t('signIn.button')}
      </button>
    </section>
  );
}
