import { useTranslation } from 'react-i18next';
import { type DocumentType, documentTypes } from '../../../../src/shared/documents/types.ts';
import { formatDate } from '../format.ts';
import { navigate } from '../router.ts';
import type { DocumentState } from './wallet.ts';

/** A document type's name in the page's language (French when a language is missing). */
export function useTypeName(): (type: DocumentType) => string {
  const { i18n } = useTranslation();
  return (type) => {
    const name: Record<string, string> = documentTypes[type].name;
    return name[i18n.language] ?? name.fr ?? type;
  };
}

interface CardProps {
  id: string;
  type: DocumentType;
  holder: string;
  issuerName: string;
  expiresAt: string;
  state: DocumentState;
  /** In the list, the card opens the document; on the document's page it is not a link. */
  link?: boolean;
}

/** The document as a card, in its type's colours (each pair keeps a 4.5:1 contrast). */
export function DocumentCard({ id, type, holder, issuerName, expiresAt, state, link }: CardProps) {
  const { t } = useTranslation();
  const typeName = useTypeName();
  const { backgroundColor, textColor } = documentTypes[type].display;
  const body = (
    <>
      <span className="wallet-card-type">{typeName(type)}</span>
      {holder && <span className="wallet-card-holder">{holder}</span>}
      <span>{t('superapp.wallet.issuedBy', { issuer: issuerName })}</span>
      <span>{t('superapp.wallet.validUntil', { date: formatDate(expiresAt) })}</span>
      {state !== 'valid' && (
        <span className={`badge wallet-state-${state}`}>{t(`superapp.wallet.state.${state}`)}</span>
      )}
    </>
  );
  const style = { backgroundColor, color: textColor };
  const className = `wallet-card${state === 'valid' ? '' : ' wallet-card-inactive'}`;
  return link ? (
    <a
      href={`/app/documents/${id}`}
      className={className}
      style={style}
      onClick={(e) => {
        e.preventDefault();
        navigate(`documents/${id}`);
      }}
    >
      {body}
    </a>
  ) : (
    <div className={className} style={style}>
      {body}
    </div>
  );
}
