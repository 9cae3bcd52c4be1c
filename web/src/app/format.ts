import { i18next } from '../i18n/index.ts';

/** Locale-aware formats: French (Senegal) by default; Wolof uses the French conventions. */
const locale = () => ({ fr: 'fr-SN', wo: 'fr-SN', en: 'en-GB' })[i18next.language] ?? 'fr-SN';

export const formatDate = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));
export const formatDateTime = (iso: string) =>
  new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
export const formatMoney = (amount: number, currency = 'XOF') =>
  new Intl.NumberFormat(locale(), { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
/** A file size in kilobytes or megabytes (1024-based, as phones show them). */
export const formatBytes = (bytes: number) => {
  const mega = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit: mega ? 'megabyte' : 'kilobyte',
    maximumFractionDigits: mega ? 1 : 0,
  }).format(mega ? bytes / (1024 * 1024) : Math.max(1, Math.round(bytes / 1024)));
};
export const formatNumber = (n: number, fractionDigits = 1) =>
  new Intl.NumberFormat(locale(), { maximumFractionDigits: fractionDigits }).format(n);
export const formatPercent = (share: number) =>
  new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(share);
