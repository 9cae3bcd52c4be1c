import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DocumentType, documentTypeIds } from '../../../../src/shared/documents/types.ts';
import { ApiProblem } from '../api.ts';
import { formatDate } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { useLocation } from '../router.ts';
import { CredentialRefused, decodeCredential, holderName } from '../wallet/credential.ts';
import { DocumentCard, useTypeName } from '../wallet/DocumentCard.tsx';
import { listWalletDocuments, type WalletDocument } from '../wallet/store.ts';
import {
  addDocument,
  type IssuedDocument,
  revokeIssued,
  stateOf,
  syncWithServer,
  takeNotice,
} from '../wallet/wallet.ts';
import DocumentView from './DocumentView.tsx';

const known = (type: string): type is DocumentType => (documentTypeIds as readonly string[]).includes(type);

/** A document on this phone with the holder's name read from its claims. */
type Held = WalletDocument & { holder: string };

/** The Documents screen: the wallet on this phone (`/app/documents`) or one document (`/app/documents/<id>`). */
export default function Documents() {
  const { item } = useLocation();
  return item ? <DocumentView id={item} /> : <Wallet />;
}

function Wallet() {
  const { t } = useTranslation();
  const typeName = useTypeName();
  const [held, setHeld] = useState<Held[]>();
  const [server, setServer] = useState<{ items: IssuedDocument[]; requestable: DocumentType[] }>();
  const [offline, setOffline] = useState(!navigator.onLine);
  const [busy, setBusy] = useState<string>();
  const [status, setStatus] = useState<string | undefined>(takeNotice);
  const [error, setError] = useState<Error>();
  const [confirming, setConfirming] = useState<string>();

  const loadHeld = useCallback(async () => {
    const docs = await listWalletDocuments();
    setHeld(
      await Promise.all(
        docs.map(async (d) => ({ ...d, holder: holderName((await decodeCredential(d.credential)).claims) })),
      ),
    );
  }, []);

  const load = useCallback(async () => {
    await loadHeld().catch((err: unknown) => setError(err as Error));
    if (!navigator.onLine) return setOffline(true);
    try {
      setServer(await syncWithServer());
      setOffline(false);
      await loadHeld();
    } catch (err) {
      // No network: the wallet is on the phone; only adding and revoking wait for a connection.
      if (err instanceof ApiProblem) setError(err);
      else setOffline(true);
    }
  }, [loadHeld]);

  useEffect(() => {
    void load();
  }, [load]);

  const run = async (key: string, fn: () => Promise<string>) => {
    setBusy(key);
    setError(undefined);
    setStatus(undefined);
    try {
      setStatus(await fn());
      await load();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };

  const heldIds = new Set(held?.map((d) => d.id));
  const usable = (held ?? []).filter((d) => stateOf(d) === 'valid');
  const toAdd = (server?.requestable ?? []).filter(
    (type) => known(type) && !usable.some((d) => d.type === type),
  );
  const elsewhere = (server?.items ?? []).filter(
    (i) => !heldIds.has(i.id) && stateOf(i) === 'valid' && known(i.type),
  );
  const failure = (err: Error) =>
    err instanceof ApiProblem && err.code === 'not-found' ? (
      <p role="alert" className="alert">
        {t('superapp.wallet.add.none')}
      </p>
    ) : err instanceof CredentialRefused ? (
      <p role="alert" className="alert">
        {t('superapp.wallet.add.refused')}
      </p>
    ) : (
      <ProblemAlert error={err} />
    );

  return (
    <>
      <h1>{t('superapp.wallet.title')}</h1>
      <p>{t('superapp.wallet.intro')}</p>
      <p role="status" className="status">
        {status}
      </p>
      {!held && <p aria-live="polite">{t('superapp.loading')}</p>}
      {held?.length === 0 && <p>{t('superapp.wallet.empty')}</p>}
      {held && held.length > 0 && (
        <ul className="wallet-list" aria-label={t('superapp.wallet.onThisPhone')}>
          {held.map((d) => (
            <li key={d.id}>
              <DocumentCard
                id={d.id}
                type={d.type}
                holder={d.holder}
                issuerName={d.issuerName}
                expiresAt={d.expiresAt}
                state={stateOf(d)}
                link
              />
            </li>
          ))}
        </ul>
      )}
      {error && failure(error)}

      <section className="card" aria-labelledby="wallet-add">
        <h2 id="wallet-add">{t('superapp.wallet.add.title')}</h2>
        {offline ? (
          <p>{t('superapp.wallet.add.offline')}</p>
        ) : !server ? (
          <p aria-live="polite">{t('superapp.loading')}</p>
        ) : toAdd.length === 0 ? (
          <p>{t('superapp.wallet.add.all')}</p>
        ) : (
          <>
            <p>{t('superapp.wallet.add.intro')}</p>
            <ul className="wallet-add">
              {toAdd.map((type) => (
                <li key={type}>
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy !== undefined}
                    aria-busy={busy === type}
                    onClick={() =>
                      run(type, async () => {
                        await addDocument(type);
                        return t('superapp.wallet.add.added', { document: typeName(type) });
                      })
                    }
                  >
                    {busy === type
                      ? t('superapp.wallet.add.adding')
                      : t('superapp.wallet.add.button', { document: typeName(type) })}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      {elsewhere.length > 0 && (
        <section className="card" aria-labelledby="wallet-elsewhere">
          <h2 id="wallet-elsewhere">{t('superapp.wallet.elsewhere.title')}</h2>
          <p>{t('superapp.wallet.elsewhere.intro')}</p>
          <ul className="wallet-elsewhere">
            {elsewhere.map((i) => {
              const name = typeName(i.type as DocumentType);
              return (
                <li key={i.id}>
                  <strong>{name}</strong>
                  <span className="hint">
                    {t('superapp.wallet.issuedOn', { date: formatDate(i.issuedAt) })}
                  </span>
                  {confirming === i.id ? (
                    <div className="actions">
                      <button
                        type="button"
                        className="danger"
                        disabled={busy !== undefined}
                        onClick={() =>
                          run(i.id, async () => {
                            await revokeIssued(i.id, 'lost or replaced phone');
                            setConfirming(undefined);
                            return t('superapp.wallet.elsewhere.revoked', { document: name });
                          })
                        }
                      >
                        {t('superapp.wallet.elsewhere.confirm', { document: name })}
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
                        {t('superapp.wallet.cancel')}
                      </button>
                    </div>
                  ) : (
                    <button
                      type="button"
                      className="danger"
                      disabled={offline || busy !== undefined}
                      onClick={() => setConfirming(i.id)}
                    >
                      {t('superapp.wallet.elsewhere.revoke', { document: name })}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}
