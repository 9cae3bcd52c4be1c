import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { documentTypes, type RejectionReason } from '../../../src/shared/documents/index.ts';
import { formatDate } from '../app/format.ts';
import { ns } from './i18n.ts';
import { PublicPage } from './PublicPage.tsx';
import { checkPresentation, type Outcome } from './verify/check.ts';
import { type ClaimRow, claimRows } from './verify/claims.ts';
import { Scanner } from './verify/Scanner.tsx';
import { refreshInBackground, trustListFetchedAt } from './verify/trust.ts';
import './verify/verify.css';

/** How often the open page looks for newer lists while online. */
const refreshEveryMs = 60_000;

/**
 * /verify: what the QR code of a document in the Jokko wallet opens. The presentation travels in the
 * URL's fragment, never sent to a server; it is verified here, in the browser, against the trust
 * list and status lists this phone keeps, so a police officer or a shop checks it without network.
 */
export default function VerifyDocument() {
  const { t, i18n } = useTranslation(ns);
  const [text, setText] = useState('');
  const [outcome, setOutcome] = useState<Outcome | { kind: 'failed' }>();
  const [checking, setChecking] = useState(false);
  const [listDate, setListDate] = useState(trustListFetchedAt);
  const [now, setNow] = useState(() => Date.now());
  const result = useRef<HTMLDivElement>(null);
  const latest = useRef(0);

  const check = useCallback(async (input: string) => {
    const run = ++latest.current;
    setChecking(true);
    let answer: Outcome | { kind: 'failed' };
    try {
      answer = await checkPresentation(input, location.origin);
    } catch {
      answer = { kind: 'failed' };
    }
    // A newer check (another scan) wins over a slower earlier one.
    if (run !== latest.current) return;
    setOutcome(answer);
    setChecking(false);
    setListDate(trustListFetchedAt());
    setNow(Date.now());
    // The verdict sits under the title: the page shows from its top, the verdict has the focus.
    requestAnimationFrame(() => {
      result.current?.focus({ preventScroll: true });
      scrollTo({ top: 0 });
    });
  }, []);

  // The fragment is read once and removed from the address: a citizen's claims stay out of the
  // verifier's browsing history.
  useEffect(() => {
    const fromHash = () => {
      const fragment = location.hash.slice(1);
      if (!fragment) return;
      history.replaceState(null, '', location.pathname);
      setText('');
      void check(fragment);
    };
    fromHash();
    addEventListener('hashchange', fromHash);
    return () => removeEventListener('hashchange', fromHash);
  }, [check]);

  // Offline after a first visit: the shell comes from the service worker, the lists from storage.
  useEffect(() => {
    void navigator.serviceWorker?.register('/sw.js').catch(() => undefined);
    const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
    const appManifest = link?.getAttribute('href');
    link?.setAttribute('href', '/verify.webmanifest');
    const refresh = () => {
      setNow(Date.now());
      if (navigator.onLine)
        void refreshInBackground().then(() => {
          setListDate(trustListFetchedAt());
          setNow(Date.now());
        });
    };
    refresh();
    const timer = setInterval(refresh, refreshEveryMs);
    addEventListener('online', refresh);
    return () => {
      clearInterval(timer);
      removeEventListener('online', refresh);
      if (appManifest) link?.setAttribute('href', appManifest);
    };
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) void check(text);
  };

  const ago = (date: Date) => {
    const minutes = Math.max(0, Math.floor((now - date.getTime()) / 60_000));
    if (minutes < 1) return t('document.justNow');
    if (minutes < 60) return t('document.minutesAgo', { count: minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return t('document.hoursAgo', { count: hours });
    return t('document.daysAgo', { count: Math.floor(hours / 24) });
  };
  const language = i18n.language;

  const value = (row: ClaimRow): string => {
    const v = row.value;
    if (row.kind === 'date' && typeof v === 'string' && !Number.isNaN(Date.parse(v))) return formatDate(v);
    if (typeof v === 'boolean') return v ? t('document.yes') : t('document.no');
    if (Array.isArray(v)) return v.length ? v.map(String).join(', ') : t('document.none');
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    return JSON.stringify(v);
  };

  const freshness = (o: Outcome & { kind: 'result' }, issuer?: string) => (
    <ul className="freshness">
      {o.trustListFetchedAt && <li>{t('document.trustListUsed', { ago: ago(o.trustListFetchedAt) })}</li>}
      {o.status && (
        <li>
          {t('document.statusListUsed', {
            issuer: issuer ?? new URL(o.status.uri).pathname.split('/').at(-2),
            ago: ago(o.status.fetchedAt),
          })}
        </li>
      )}
    </ul>
  );

  const verdict = () => {
    if (!outcome) return null;
    if (outcome.kind === 'failed')
      return (
        <p role="alert" className="alert">
          {t('document.failed')}
        </p>
      );
    if (outcome.kind === 'cannot-check')
      return (
        <section className="verdict unknown" aria-labelledby="verdict-title">
          <h2 id="verdict-title" className="verdict-word">
            <span aria-hidden="true">? </span>
            {t('document.cannotCheck')}
          </h2>
          <p>{t(`document.problems.${outcome.problem}`)}</p>
        </section>
      );
    const r = outcome.result;
    if (!r.valid) {
      const reason: RejectionReason = r.reason;
      return (
        <section className="verdict invalid" aria-labelledby="verdict-title">
          <h2 id="verdict-title" className="verdict-word">
            <span aria-hidden="true">✗ </span>
            {t('document.invalid')}
          </h2>
          <p className="reason">{t(`document.reasons.${reason}`)}</p>
          <p>{t('document.invalidAdvice')}</p>
          {freshness(outcome)}
          <details>
            <summary>{t('document.technical')}</summary>
            <p>
              <code>{reason}</code>: {r.detail}
            </p>
          </details>
        </section>
      );
    }
    const type = r.documentType;
    const typeName = type ? (documentTypes[type].name[language] ?? documentTypes[type].name.fr) : r.type;
    const issuer = `${r.issuer.name} (${r.issuer.identifier})`;
    const rows = claimRows(type, r.claims, language);
    return (
      <section className="verdict valid" aria-labelledby="verdict-title">
        <h2 id="verdict-title" className="verdict-word">
          <span aria-hidden="true">✓ </span>
          {t('document.valid')}
        </h2>
        <p className="reason">{t('document.validIntro')}</p>
        {outcome.paper && <p className="paper-notice">{t('document.paper')}</p>}
        <dl className="claims">
          <div className="row">
            <dt>{t('document.type')}</dt>
            <dd>{typeName}</dd>
          </div>
          <div className="row">
            <dt>{t('document.issuer')}</dt>
            <dd>{issuer}</dd>
          </div>
          <div className="row">
            <dt>{t('document.validUntil')}</dt>
            <dd>{formatDate(r.expiresAt.toISOString())}</dd>
          </div>
        </dl>
        <h3>{t('document.disclosed')}</h3>
        {rows.length ? (
          <dl className="claims disclosed">
            {rows.map((row) => (
              <div className="row" key={row.path}>
                <dt>
                  {row.group ? t('document.subClaim', { group: row.group, label: row.label }) : row.label}
                </dt>
                <dd>{value(row)}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <p>{t('document.nothingDisclosed')}</p>
        )}
        <p>{t('document.validAdvice')}</p>
        {freshness(outcome, r.issuer.identifier)}
      </section>
    );
  };

  return (
    <PublicPage title={t('document.title')}>
      <h1>{t('document.title')}</h1>
      <div ref={result} tabIndex={-1} aria-live="polite" className="verdict-region">
        {checking ? <p>{t('document.checking')}</p> : verdict()}
      </div>
      <p className="intro">{t('document.intro')}</p>
      <Scanner onCode={check} />
      <form onSubmit={submit}>
        <label htmlFor="presentation">{t('document.codeLabel')}</label>
        <p id="presentation-hint" className="hint">
          {t('document.codeHint')}
        </p>
        <textarea
          id="presentation"
          rows={3}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby="presentation-hint"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
        />
        <button type="submit" disabled={checking}>
          {checking ? t('document.checking') : t('document.check')}
        </button>
      </form>
      <section className="verifier-help" aria-labelledby="help-title">
        <h2 id="help-title">{t('document.helpTitle')}</h2>
        <p>{listDate ? t('document.listKept', { ago: ago(listDate) }) : t('document.listMissing')}</p>
        <p>{t('document.helpOffline')}</p>
        <p>{t('document.helpTrust')}</p>
        <p>{t('document.helpPrivacy')}</p>
      </section>
    </PublicPage>
  );
}
