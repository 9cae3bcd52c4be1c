import { type MouseEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DocumentType, documentTypeIds } from '../../../../src/shared/documents/types.ts';
import { api } from '../api.ts';
import { formatDate, formatDateTime } from '../format.ts';
import { navigate } from '../router.ts';
import { useTypeName } from '../wallet/DocumentCard.tsx';
import { listWalletDocuments, walletOwner } from '../wallet/store.ts';
import { type IssuedDocument, stateOf } from '../wallet/wallet.ts';

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const known = (type: string): type is DocumentType => (documentTypeIds as readonly string[]).includes(type);

/**
 * What holds a key to my account or my documents: my passkeys, this phone's wallet, and the
 * documents issued to a wallet that is not this one. Each document has its own holder key, so the
 * server cannot tell one other phone from several: they are listed together.
 */
export function Devices({ accountId, passkeys }: { accountId: string | undefined; passkeys: Passkey[] }) {
  const { t } = useTranslation();
  const typeName = useTypeName();
  const [documents, setDocuments] = useState<{ here: DocumentType[]; elsewhere: DocumentType[] }>();

  useEffect(() => {
    if (!accountId) return;
    let live = true;
    void (async () => {
      // Documents of another account that used this phone are not mine to list.
      const held = (await walletOwner()) === accountId ? await listWalletDocuments() : [];
      const here = held.filter((d) => stateOf(d) === 'valid' && known(d.type));
      const issued = await api<{ items: IssuedDocument[] }>('GET', '/me/documents').catch(() => undefined);
      const heldIds = new Set(held.map((d) => d.id));
      const elsewhere = (issued?.items ?? []).filter(
        (i) => !heldIds.has(i.id) && stateOf(i) === 'valid' && known(i.type),
      );
      if (live)
        setDocuments({
          here: here.map((d) => d.type as DocumentType),
          elsewhere: elsewhere.map((i) => i.type as DocumentType),
        });
    })();
    return () => {
      live = false;
    };
  }, [accountId]);

  const names = (types: DocumentType[]) => types.map(typeName).join(', ');
  const toDocuments = (e: MouseEvent) => {
    e.preventDefault();
    navigate('documents');
  };
  return (
    <section className="card" aria-labelledby="devices-title">
      <h2 id="devices-title">{t('superapp.devices.title')}</h2>
      <ul className="accesses devices">
        {passkeys.map((p) => (
          <li key={p.id}>
            <strong>
              {t('superapp.settings.factor.passkey')} — {p.name}
            </strong>
            <span className="hint">{t('superapp.devices.added', { date: formatDate(p.createdAt) })}</span>
            <span className="hint">
              {p.lastUsedAt
                ? t('superapp.devices.lastUsed', { date: formatDateTime(p.lastUsedAt) })
                : t('superapp.devices.neverUsed')}
            </span>
          </li>
        ))}
        {documents && documents.here.length > 0 && (
          <li>
            <strong>{t('superapp.devices.thisPhone')}</strong>
            <span className="hint">
              {t('superapp.devices.documents', {
                count: documents.here.length,
                names: names(documents.here),
              })}
            </span>
          </li>
        )}
        {documents && documents.elsewhere.length > 0 && (
          <li>
            <strong>{t('superapp.devices.otherPhone')}</strong>
            <span className="hint">
              {t('superapp.devices.documents', {
                count: documents.elsewhere.length,
                names: names(documents.elsewhere),
              })}
            </span>
            <a href="/app/documents" onClick={toDocuments}>
              {t('superapp.devices.manage')}
            </a>
          </li>
        )}
      </ul>
      {passkeys.length === 0 && documents && !documents.here.length && !documents.elsewhere.length && (
        <p>{t('superapp.devices.none')}</p>
      )}
    </section>
  );
}
