import { useTranslation } from 'react-i18next';
import type { ApplicationStatus, ProcedureDefinition } from '../../../../src/shared/procedures/definition.ts';
import { i18next } from '../../i18n/index.ts';

export type { ApplicationStatus, ProcedureDefinition };

/** A procedure as the catalogue lists it (`GET /v1/procedures`). */
export interface ProcedureSummary {
  id: string;
  version: number;
  owner: string;
  category: string;
  title: Record<string, string>;
  summary: Record<string, string>;
  fee: { amount: number; currency: string };
  targetDays: number;
  online: boolean;
}

export interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  from: string | null;
  to: ApplicationStatus | null;
  step: number | null;
  decision: string | null;
  message: string | null;
}

export interface Attachment {
  id: string;
  slot: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  createdAt: string;
}

/** One of my applications (`GET /v1/me/applications/:id`); the list has no attachments or timeline. */
export interface Application {
  id: string;
  reference: string;
  procedure: { id: string; version: number; owner: string };
  status: ApplicationStatus;
  step: number;
  data: Record<string, unknown>;
  prefilled: Record<string, { registry: string; service: string; at: string }>;
  language: string;
  fee: { amount: number; currency: string };
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
  dueAt: string | null;
  output: { kind: string; title: string; issuedAt: string; validUntil: string | null } | null;
  attachments?: Attachment[];
  timeline?: TimelineEvent[];
}

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
