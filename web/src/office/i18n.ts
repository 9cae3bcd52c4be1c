import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { i18next } from '../i18n/index.ts';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import wo from './locales/wo.json' with { type: 'json' };

// The office's strings join the shared instance as their own namespace, loaded with this chunk only.
for (const [lng, bundle] of Object.entries({ fr, wo, en }))
  i18next.addResourceBundle(lng, 'office', bundle, true, true);

export const useOfficeTranslation = () => useTranslation('office');

/** Locale for dates and numbers: French (Senegal) by default; Wolof uses the French conventions. */
const locale = () => ({ fr: 'fr-SN', wo: 'fr-SN', en: 'en-GB' })[i18next.language] ?? 'fr-SN';

export const formatDate = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(new Date(iso));
export const formatDateTime = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
/** A date answer (YYYY-MM-DD) is a calendar day, not an instant: no time zone shift. */
export const formatDay = (day: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
export const formatMoney = (amount: number, currency: string) =>
  new Intl.NumberFormat(locale(), { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
export const formatSize = (bytes: number) =>
  new Intl.NumberFormat(locale(), { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 0 }).format(
    Math.max(1, Math.round(bytes / 1024)),
  );

/** Text of a definition in the current language, else French, else any. */
export const localized = (text: Record<string, string> | undefined): string =>
  text ? (text[i18next.language] ?? text.fr ?? Object.values(text)[0] ?? '') : '';

/** The tab's title names the page (WCAG 2.4.2), in the current language. */
export function usePageTitle(title: string | undefined): void {
  const { t } = useOfficeTranslation();
  const brand = t('brand');
  useEffect(() => {
    if (title) document.title = `${title} — ${brand}`;
  }, [title, brand]);
}
