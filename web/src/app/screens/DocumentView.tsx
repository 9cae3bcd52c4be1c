import QRCode from 'qrcode';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type ClaimDefinition,
  claimDefinition,
  type DocumentType,
  documentTypes,
} from '../../../../src/shared/documents/types.ts';
import { download } from '../api.ts';
import { formatDate } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import {
  claimAt,
  type DecodedCredential,
  decodeCredential,
  disclosurePresets,
  holderName,
  maxQrBytes,
  presentationLink,
} from '../wallet/credential.ts';
import { DocumentCard, useTypeName } from '../wallet/DocumentCard.tsx';
import { getWalletDocument, type WalletDocument } from '../wallet/store.ts';
import { leaveNotice, removeDocument, stateOf } from '../wallet/wallet.ts';

/** The paths a holder ticks one by one: each claim, and each entry of an object claim. */
function leafPaths(type: DocumentType, claims: Record<string, unknown>): string[] {
  return documentTypes[type].claims.flatMap((c) =>
    c.claims
      ? c.claims.map((s) => `${c.name}.${s.name}`).filter((p) => claimAt(claims, p) !== undefined)
      : claimAt(claims, c.name) !== undefined
        ? [c.name]
        : [],
  );
}

const sameSet = (a: ReadonlySet<string>, b: readonly string[]) =>
  a.size === b.length && b.every((p) => a.has(p));

/** One document of the wallet: its claims, "show by QR" with the chosen claims only, and removal. */
export default function DocumentView({ id }: { id: string }) {
  const { t } = useTranslation();
  const [doc, setDoc] = useState<WalletDocument | null>();
  const [decoded, setDecoded] = useState<DecodedCredential>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    void (async () => {
      try {
        const found = await getWalletDocument(id);
        if (found) setDecoded(await decodeCredential(found.credential));
        setDoc(found ?? null);
      } catch (err) {
        setError(err as Error);
      }
    })();
  }, [id]);

  const back = (
    <p>
      <a
        href="/app/documents"
        onClick={(e) => {
          e.preventDefault();
          navigate('documents');
        }}
      >
        {t('superapp.wallet.back')}
      </a>
    </p>
  );
  if (error)
    return (
      <>
        {back}
        <ProblemAlert error={error} />
      </>
    );
  if (doc === undefined) return <p aria-live="polite">{t('superapp.loading')}</p>;
  if (doc === null || !decoded)
    return (
      <>
        {back}
        <h1>{t('superapp.wallet.title')}</h1>
        <p role="alert" className="alert">
          {t('superapp.wallet.notFound')}
        </p>
      </>
    );
  return <Held doc={doc} decoded={decoded} back={back} />;
}

function Held({ doc, decoded, back }: { doc: WalletDocument; decoded: DecodedCredential; back: ReactNode }) {
  const { t } = useTranslation();
  const typeName = useTypeName();
  const state = stateOf(doc);
  return (
    <>
      {back}
      <h1>{typeName(doc.type)}</h1>
      <DocumentCard
        id={doc.id}
        type={doc.type}
        holder={holderName(decoded.claims)}
        issuerName={doc.issuerName}
        expiresAt={doc.expiresAt}
        state={state}
      />
      {state === 'valid' ? (
        <Show doc={doc} claims={decoded.claims} />
      ) : (
        <section className="card" aria-labelledby="doc-show">
          <h2 id="doc-show">{t('superapp.wallet.show.title')}</h2>
          <p>{t(`superapp.wallet.show.unavailable.${state}`)}</p>
        </section>
      )}
      <section className="card" aria-labelledby="doc-claims">
        <h2 id="doc-claims">{t('superapp.wallet.details')}</h2>
        <Claims type={doc.type} claims={decoded.claims} />
      </section>
      {state === 'valid' &&
        [
          'national-id',
          'residence-certificate',
          'driving-licence',
          'vehicle-registration',
          'diploma',
        ].includes(doc.type) && <Paper doc={doc} />}
      <Remove doc={doc} />
    </>
  );
}

/** A claim's value in words: dates in the page's language, yes or no, lists joined. */
function useClaimValue(): (definition: ClaimDefinition | undefined, value: unknown) => string {
  const { t } = useTranslation();
  return (definition, value) => {
    if (value === null || value === undefined || value === '') return t('superapp.data.none');
    if (typeof value === 'boolean') return t(value ? 'superapp.wallet.yes' : 'superapp.wallet.no');
    if (Array.isArray(value)) return value.length ? value.join(', ') : t('superapp.wallet.nothing');
    if (definition?.kind === 'date' && typeof value === 'string') return formatDate(value);
    if (definition?.name === 'sex' && typeof value === 'string')
      return t(`superapp.data.sexes.${value}`, { defaultValue: value });
    return String(value);
  };
}

function Claims({ type, claims }: { type: DocumentType; claims: Record<string, unknown> }) {
  const { i18n } = useTranslation();
  const say = useClaimValue();
  const label = (c: ClaimDefinition) =>
    (c.label as Record<string, string>)[i18n.language] ?? c.label.fr ?? c.name;
  const rows = documentTypes[type].claims.flatMap((c) =>
    c.claims
      ? c.claims.map((s) => ({ key: `${c.name}.${s.name}`, definition: s }))
      : [{ key: c.name, definition: c }],
  );
  return (
    <dl>
      {rows
        .filter((r) => claimAt(claims, r.key) !== undefined)
        .map((r) => (
          <div className="row" key={r.key}>
            <dt>{label(r.definition)}</dt>
            <dd>{say(r.definition, claimAt(claims, r.key))}</dd>
          </div>
        ))}
    </dl>
  );
}

type Shown =
  | { kind: 'qr'; url: string; image: string; expiresAt: number; what: string }
  | { kind: 'too-long' };

/** "Show by QR": tick what to show (a preset first), then a short-lived QR code and its link. */
function Show({ doc, claims }: { doc: WalletDocument; claims: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const typeName = useTypeName();
  const paths = leafPaths(doc.type, claims);
  const presets = disclosurePresets[doc.type]
    .map((p) => ({ ...p, paths: p.paths.filter((path) => paths.includes(path)) }))
    .filter((p) => p.paths.length > 0);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(presets[0]?.paths ?? []));
  const [shown, setShown] = useState<Shown>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [now, setNow] = useState(Date.now());
  const [copied, setCopied] = useState<'copied' | 'failed'>();
  const qrHeading = useRef<HTMLHeadingElement>(null);
  const chooseHeading = useRef<HTMLHeadingElement>(null);

  const labelOf = (path: string) => {
    const d = claimDefinition(doc.type, path);
    return d ? ((d.label as Record<string, string>)[i18n.language] ?? d.label.fr ?? path) : path;
  };
  const chosen = paths.filter((p) => selected.has(p));

  useEffect(() => {
    if (shown?.kind !== 'qr') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [shown]);

  const present = async () => {
    setBusy(true);
    setError(undefined);
    setCopied(undefined);
    try {
      const link = await presentationLink({
        credential: doc.credential,
        holderKey: doc.holderKey,
        disclose: chosen,
        origin: location.origin,
      });
      if (new TextEncoder().encode(link.url).length > maxQrBytes) setShown({ kind: 'too-long' });
      else
        setShown({
          kind: 'qr',
          url: link.url,
          image: await QRCode.toDataURL(link.url, { errorCorrectionLevel: 'L', margin: 4, width: 720 }),
          expiresAt: link.expiresAt.getTime(),
          what: chosen.map(labelOf).join(', '),
        });
      setNow(Date.now());
      // The QR code at the top of the screen, ready to be scanned; the focus on its heading.
      requestAnimationFrame(() => {
        qrHeading.current?.scrollIntoView({ block: 'start' });
        qrHeading.current?.focus({ preventScroll: true });
      });
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  if (shown) {
    const left = shown.kind === 'qr' ? Math.max(0, Math.ceil((shown.expiresAt - now) / 1000)) : 0;
    const change = () => {
      setShown(undefined);
      requestAnimationFrame(() => chooseHeading.current?.focus());
    };
    return (
      <section className="card wallet-show" aria-labelledby="doc-qr">
        <h2 id="doc-qr" ref={qrHeading} tabIndex={-1}>
          {t('superapp.wallet.qr.title')}
        </h2>
        {shown.kind === 'too-long' ? (
          <p role="alert" className="alert">
            {t('superapp.wallet.qr.tooLong')}
          </p>
        ) : (
          <>
            <p>{t('superapp.wallet.qr.shows', { claims: shown.what })}</p>
            {left > 0 ? (
              <>
                <img
                  className="wallet-qr"
                  src={shown.image}
                  alt={t('superapp.wallet.qr.alt', { document: typeName(doc.type), claims: shown.what })}
                />
                <p className="wallet-countdown">
                  {t('superapp.wallet.qr.countdown', {
                    time: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`,
                  })}
                </p>
                <p className="hint">{t('superapp.wallet.qr.scan')}</p>
                <label htmlFor="presentation-link">{t('superapp.wallet.qr.link')}</label>
                <textarea
                  id="presentation-link"
                  className="wallet-link"
                  readOnly
                  rows={4}
                  value={shown.url}
                  onFocus={(e) => e.currentTarget.select()}
                />
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    navigator.clipboard
                      .writeText(shown.url)
                      .then(() => setCopied('copied'))
                      .catch(() => setCopied('failed'))
                  }
                >
                  {t('superapp.wallet.qr.copy')}
                </button>
                <p role="status" className="status">
                  {copied && t(`superapp.wallet.qr.${copied}`)}
                </p>
              </>
            ) : (
              <p role="alert" className="alert">
                {t('superapp.wallet.qr.expired')}
              </p>
            )}
          </>
        )}
        {error && <ProblemAlert error={error} />}
        <div className="actions">
          {shown.kind === 'qr' && (
            <button type="button" className="primary" disabled={busy} onClick={() => void present()}>
              {t('superapp.wallet.qr.again')}
            </button>
          )}
          <button type="button" className="secondary" onClick={change}>
            {t('superapp.wallet.qr.change')}
          </button>
        </div>
      </section>
    );
  }

  const toggle = (path: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(path);
      else next.delete(path);
      return next;
    });
  const groups = documentTypes[doc.type].claims
    .map((c) => ({
      claim: c,
      paths: c.claims ? paths.filter((p) => p.startsWith(`${c.name}.`)) : paths.filter((p) => p === c.name),
    }))
    .filter((g) => g.paths.length > 0);
  const checkbox = (path: string) => (
    <label key={path}>
      <input type="checkbox" checked={selected.has(path)} onChange={(e) => toggle(path, e.target.checked)} />
      {labelOf(path)}
    </label>
  );
  return (
    <section className="card wallet-show" aria-labelledby="doc-show">
      <h2 id="doc-show" ref={chooseHeading} tabIndex={-1}>
        {t('superapp.wallet.show.title')}
      </h2>
      <p>{t('superapp.wallet.show.intro')}</p>
      {presets.length > 0 && (
        <fieldset className="wallet-presets">
          <legend>{t('superapp.wallet.show.suggested')}</legend>
          <div className="actions">
            {presets.map((p) => (
              <button
                key={p.key}
                type="button"
                className="secondary"
                aria-pressed={sameSet(selected, p.paths)}
                onClick={() => setSelected(new Set(p.paths))}
              >
                {t(`superapp.wallet.preset.${p.key}`)}
              </button>
            ))}
          </div>
        </fieldset>
      )}
      <fieldset className="choices">
        <legend>{t('superapp.wallet.show.choose')}</legend>
        {groups.map((g) =>
          g.claim.claims ? (
            <fieldset key={g.claim.name} className="choices wallet-subclaims">
              <legend>{labelOf(g.claim.name)}</legend>
              {g.paths.map(checkbox)}
            </fieldset>
          ) : (
            checkbox(g.claim.name)
          ),
        )}
      </fieldset>
      {chosen.length === 0 && <p className="hint">{t('superapp.wallet.show.nothing')}</p>}
      {error && <ProblemAlert error={error} />}
      <button
        type="button"
        className="primary"
        disabled={busy || chosen.length === 0}
        onClick={() => void present()}
      >
        {t('superapp.wallet.show.button')}
      </button>
    </section>
  );
}

/** The same document on paper: a PDF with a QR that verifies as a paper copy. */
function Paper({ doc }: { doc: WalletDocument }) {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const print = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await download('/me/documents/paper', `${doc.type}.pdf`, { type: doc.type, language: i18n.language });
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="wallet-paper">
      <p className="hint">{t('superapp.wallet.paper.hint')}</p>
      {error && <ProblemAlert error={error} />}
      <button
        type="button"
        className="secondary"
        disabled={busy || !navigator.onLine}
        onClick={() => void print()}
      >
        {t('superapp.wallet.paper.button')}
      </button>
    </section>
  );
}

/** "Remove from this phone", and revoke it too when someone else may hold a copy. */
function Remove({ doc }: { doc: WalletDocument }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (asking) heading.current?.focus();
  }, [asking]);
  const remove = async (revoke: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await removeDocument(doc.id, revoke);
      leaveNotice(t(revoke ? 'superapp.wallet.remove.revoked' : 'superapp.wallet.remove.removed'));
      navigate('documents');
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  if (!asking)
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        {t('superapp.wallet.remove.button')}
      </button>
    );
  const revocable = !doc.revokedAt && navigator.onLine;
  return (
    <section className="card attention" aria-labelledby="doc-remove">
      <h2 id="doc-remove" ref={heading} tabIndex={-1}>
        {t('superapp.wallet.remove.title')}
      </h2>
      <p>{t('superapp.wallet.remove.intro')}</p>
      {!doc.revokedAt && <p>{t('superapp.wallet.remove.lost')}</p>}
      {!doc.revokedAt && !navigator.onLine && <p className="hint">{t('superapp.wallet.remove.offline')}</p>}
      {error && <ProblemAlert error={error} />}
      <div className="actions">
        {revocable && (
          <button type="button" className="danger" disabled={busy} onClick={() => void remove(true)}>
            {t('superapp.wallet.remove.andRevoke')}
          </button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={() => void remove(false)}>
          {t('superapp.wallet.remove.only')}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => setAsking(false)}>
          {t('superapp.wallet.cancel')}
        </button>
      </div>
    </section>
  );
}
