import { i18next } from '../i18n/index.ts';

/** Locale-aware formats: French (Senegal) by default; Wolof uses the French conventions. */
const locale = () => ({ fr: 'fr-SN', wo: 'fr-SN', en: 'en-GB' })[i18next.language] ?? 'fr-SN';

export const formatDate = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
export const formatDateTime = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
export const formatMoney = (amount: number, currency = 'XOF') =>
  new Intl.NumberFormat(locale(), { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
