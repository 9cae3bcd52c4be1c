import { useTranslation } from 'react-i18next';
import { formatDate, formatDateTime } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import { useApi } from '../useApi.ts';
import { partnerLabel } from './labels.ts';

interface Message {
  id: string;
  template: string;
  payload: { partner?: string; validUntil?: string };
  createdAt: string;
}

/** My notifications, newest first; each leads to where it can be acted on. */
export default function Inbox() {
  const { t } = useTranslation();
  const inbox = useApi<{ items: Message[] }>('/me/inbox');
  return (
    <>
      <h1>{t('superapp.inbox.title')}</h1>
      {inbox.error && <ProblemAlert error={inbox.error} />}
      {inbox.data?.items.length === 0 && <p>{t('superapp.inbox.none')}</p>}
      <ul className="accesses">
        {inbox.data?.items.map((m) => (
          <li key={m.id} className="card">
            <a
              href="/app/consents"
              onClick={(e) => {
                e.preventDefault();
                navigate('consents');
              }}
            >
              {t(`superapp.inbox.${m.template}`, {
                partner: partnerLabel(m.payload.partner ?? ''),
                date: m.payload.validUntil ? formatDate(m.payload.validUntil) : '',
                defaultValue: t('superapp.inbox.other'),
              })}
            </a>
            <time dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
          </li>
        ))}
      </ul>
    </>
  );
}
