import { useTranslation } from 'react-i18next';
import { formatDate, formatDateTime } from '../format.ts';
import { ProblemAlert } from '../Problem.tsx';
import { navigate } from '../router.ts';
import { useApi } from '../useApi.ts';
import { partnerLabel } from './labels.ts';

interface Message {
  id: string;
  template: string;
  payload: {
    partner?: string;
    validUntil?: string;
    reference?: string;
    procedure?: { id: string; title: Record<string, string> };
    status?: string;
    message?: string;
    applicationId?: string;
  };
  createdAt: string;
}

/** A notice about one of my applications: the procedure in my language, its status in words, the agent's note. */
function ApplicationNotice({ payload }: { payload: Message['payload'] }) {
  const { t, i18n } = useTranslation();
  const title = payload.procedure?.title ?? {};
  const text = t('superapp.inbox.application-status', {
    procedure: title[i18n.language] ?? title.fr ?? Object.values(title)[0] ?? '',
    reference: payload.reference ?? '',
    status: t(`superapp.inbox.applicationStatus.${payload.status}`, {
      defaultValue: payload.status ?? '',
    }),
  });
  const id = payload.applicationId;
  return (
    <>
      {id ? (
        <a
          href={`/app/services/${id}`}
          onClick={(e) => {
            e.preventDefault();
            navigate(`services/${id}`);
          }}
        >
          {text}
        </a>
      ) : (
        <span>{text}</span>
      )}
      {payload.message && <span>{t('superapp.inbox.message', { message: payload.message })}</span>}
    </>
  );
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
            {m.template === 'application-status' ? (
              <ApplicationNotice payload={m.payload} />
            ) : (
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
            )}
            <time dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
          </li>
        ))}
      </ul>
    </>
  );
}
