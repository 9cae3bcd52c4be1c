import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../app/format.ts';
import { ns } from './i18n.ts';
import { PublicPage } from './PublicPage.tsx';

interface Claims {
  iss: string;
  sub: string;
  iat: number;
  exp?: number;
  jokko: {
    procedure: string;
    version: number;
    kind: string;
    owner: string;
    holder: { name: string; nin: string };
    decision: string;
  };
}

type Verdict =
  | { valid: true; claims: Claims; issuer?: { identifier: string; name: string } }
  | { valid: false; reason: string }
  /** The check itself failed (no network, server error): no verdict on the document. */
  | { failed: true };

/** The code in what was scanned or pasted: a verification link (the code is its fragment) or the code itself. */
function codeOf(text: string): string | undefined {
  const trimmed = text.replace(/\s+/g, '');
  const code = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(code) ? code : undefined;
}

const dateOf = (seconds: number) => formatDate(new Date(seconds * 1000).toISOString());

/**
 * /verify/output: what the QR on a decision letter or extract opens. The code travels in the URL's
 * fragment (never sent to a server by the browser); the page sends it to `POST /v1/outputs/verify`
 * and says plainly whether the paper can be trusted, and what it should say.
 */
export default function VerifyOutput() {
  const { t, i18n } = useTranslation(ns);
  const [text, setText] = useState(() => location.hash.slice(1));
  const [verdict, setVerdict] = useState<Verdict>();
  const [title, setTitle] = useState<Record<string, string>>();
  const [checking, setChecking] = useState(false);
  const result = useRef<HTMLDivElement>(null);

  const check = useCallback(async (input: string) => {
    setTitle(undefined);
    const code = codeOf(input);
    if (!code) return setVerdict({ valid: false, reason: 'not-a-code' });
    setChecking(true);
    try {
      const res = await fetch('/v1/outputs/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ code }),
      });
      if (res.status === 400) return setVerdict({ valid: false, reason: 'not-a-code' });
      if (!res.ok) return setVerdict({ failed: true });
      const answer = (await res.json()) as { valid: boolean; reason?: string; claims?: Claims };
      if (answer.valid && answer.claims) {
        setVerdict({ valid: true, claims: answer.claims });
        // The document's title in the reader's language, from the procedure it was issued under.
        const { procedure, version } = answer.claims.jokko;
        const definition = await fetch(`/v1/procedures/${encodeURIComponent(procedure)}?version=${version}`);
        if (definition.ok)
          setTitle(((await definition.json()) as { output: { title: Record<string, string> } }).output.title);
      } else setVerdict({ valid: false, reason: answer.reason ?? 'malformed' });
    } catch {
      setVerdict({ failed: true });
    } finally {
      setChecking(false);
    }
  }, []);

  // The code in the fragment is checked at once, and again when the fragment changes.
  useEffect(() => {
    const fromHash = () => {
      const fragment = location.hash.slice(1);
      if (!fragment) return;
      setText(fragment);
      void check(fragment);
    };
    fromHash();
    addEventListener('hashchange', fromHash);
    return () => removeEventListener('hashchange', fromHash);
  }, [check]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await check(text);
    result.current?.focus();
  };

  const claims = verdict && 'valid' in verdict && verdict.valid ? verdict.claims : undefined;
  const row = (label: string, value: string) => (
    <div className="row" key={label}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
  const owner = claims?.jokko.owner ?? '';
  const issuerName = verdict && 'valid' in verdict && verdict.valid ? verdict.issuer?.name : undefined;

  return (
    <PublicPage title={t('verify.title')}>
      <h1>{t('verify.title')}</h1>
      <div ref={result} tabIndex={-1} aria-live="polite">
        {verdict && 'failed' in verdict && (
          <p role="alert" className="alert">
            {t('verify.failed')}
          </p>
        )}
        {verdict && 'valid' in verdict && !verdict.valid && (
          <section className="verdict invalid" aria-labelledby="verdict-title">
            <h2 id="verdict-title">
              <span aria-hidden="true">✗ </span>
              {t('verify.invalid')}
            </h2>
            <p>
              {t('verify.invalidIntro', {
                reason: t(`verify.reasons.${verdict.reason}`, {
                  defaultValue: t('verify.reasons.malformed'),
                }),
              })}
            </p>
          </section>
        )}
        {claims && (
          <section className="verdict valid" aria-labelledby="verdict-title">
            <h2 id="verdict-title">
              <span aria-hidden="true">✓ </span>
              {t('verify.valid')}
            </h2>
            <p>{t('verify.validIntro')}</p>
            <h3>{t('verify.claims')}</h3>
            <dl className="claims">
              {row(
                t('verify.kind'),
                t(`verify.kinds.${claims.jokko.kind}`, { defaultValue: claims.jokko.kind }),
              )}
              {title &&
                row(
                  t('verify.documentTitle'),
                  title[i18n.language] ?? title.fr ?? Object.values(title)[0] ?? '',
                )}
              {row(t('verify.reference'), claims.sub)}
              {row(t('verify.holder'), claims.jokko.holder.name)}
              {row(t('verify.nin'), claims.jokko.holder.nin)}
              {row(
                t('verify.issuer'),
                `${issuerName ?? t(`administrations.${owner}`, { defaultValue: owner })} (${owner})`,
              )}
              {row(t('verify.issuedAt'), dateOf(claims.iat))}
              {row(t('verify.validUntil'), claims.exp ? dateOf(claims.exp) : t('verify.noExpiry'))}
            </dl>
          </section>
        )}
      </div>
      <p className="intro">{t('verify.intro')}</p>
      <form onSubmit={submit}>
        <label htmlFor="code">{t('verify.codeLabel')}</label>
        <p id="code-hint" className="hint">
          {t('verify.codeHint')}
        </p>
        <textarea
          id="code"
          rows={3}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-describedby="code-hint"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
        />
        <button type="submit" disabled={checking}>
          {checking ? t('verify.checking') : t('verify.check')}
        </button>
      </form>
    </PublicPage>
  );
}
