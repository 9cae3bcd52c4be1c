import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import wo from './locales/wo.json' with { type: 'json' };

/** French first, then Wolof and English; every string lives in the locale files. */
export const languages = [
  { code: 'fr', name: 'Français' },
  { code: 'wo', name: 'Wolof' },
  { code: 'en', name: 'English' },
] as const;
export type Language = (typeof languages)[number]['code'];
export const defaultLanguage: Language = 'fr';
const storageKey = 'jokko.lang';

function initialLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(storageKey);
  return languages.some((l) => l.code === saved) ? (saved as Language) : defaultLanguage;
}

export function setLanguage(code: Language): void {
  void i18next.changeLanguage(code);
  globalThis.localStorage?.setItem(storageKey, code);
}

i18next.on('languageChanged', (lng) => {
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
});

void i18next.use(initReactI18next).init({
  resources: { fr: { translation: fr }, wo: { translation: wo }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: defaultLanguage,
  interpolation: { escapeValue: false },
  returnNull: false,
});

export { i18next };
