import type { TFunction } from 'i18next';
import type { Application } from './types.ts';

/** The time left on the current step, in words: "2 jours restants", "en retard de 1 jour". */
export function slaText(t: TFunction<'office'>, daysLeft: number | null | undefined): string {
  if (daysLeft === null || daysLeft === undefined) return t('sla.none');
  // The API counts whole days, rounded down: -1 is "less than a day late", 0 "less than a day left".
  if (daysLeft < 0) return t('sla.late', { count: -daysLeft });
  if (daysLeft === 0) return t('sla.lessThanADay');
  return t('sla.left', { count: daysLeft });
}

export const slaTone = (daysLeft: number | null | undefined): 'late' | 'soon' | 'ok' | 'none' =>
  daysLeft === null || daysLeft === undefined ? 'none' : daysLeft < 0 ? 'late' : daysLeft < 1 ? 'soon' : 'ok';

/** The applicant's name as the form holds it (pre-filled from the population register). */
export function applicantName(application: Application): string | undefined {
  const { givenNames, familyName } = application.data;
  const name = [givenNames, familyName].filter((p) => typeof p === 'string' && p).join(' ');
  return name || undefined;
}

/** Who an application is assigned to, from the agent's point of view. */
export function assigneeText(t: TFunction<'office'>, assignee: string | null | undefined, me?: string) {
  if (!assignee) return t('assigned.none');
  return assignee === me ? t('assigned.me') : t('assigned.other');
}
