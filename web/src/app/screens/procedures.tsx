import { useTranslation } from 'react-i18next';
import type {
  Application,
  Attachment,
  ProcedureSummary,
  TimelineEvent,
} from '../../../../src/shared/procedures/application.ts';
import type { ApplicationStatus, ProcedureDefinition } from '../../../../src/shared/procedures/definition.ts';
import { i18next } from '../../i18n/index.ts';

export type {
  Application,
  ApplicationStatus,
  Attachment,
  ProcedureDefinition,
  ProcedureSummary,
  TimelineEvent,
};

/** A procedure's text in the page's language, else French (the default), else any. */
export function localized(text: Record<string, string> | undefined): string {
  if (!text) return '';
  return text[i18next.language] ?? text.fr ?? Object.values(text)[0] ?? '';
}

/** Whether the citizen may still change the answers and (re)submit. */
export const editable = (status: ApplicationStatus) => status === 'draft' || status === 'info_requested';

/** Whether the citizen may still withdraw. */
export const withdrawable = (status: ApplicationStatus) =>
  status === 'draft' || status === 'submitted' || status === 'in_review' || status === 'info_requested';

/** Folds case and accents, as the server's search does, for searching the kept catalogue offline. */
export const fold = (s: string) => s.toLocaleLowerCase().normalize('NFD').replace(/\p{M}/gu, '');

/** A status as a badge, in words. */
export function StatusBadge({ status }: { status: ApplicationStatus }) {
  const { t } = useTranslation();
  return <span className={`badge application-${status}`}>{t(`superapp.services.status.${status}`)}</span>;
}
