import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import fr from './locales/fr.json' with { type: 'json' };

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

/**
 * French comes with the first download; Wolof and English are chunks of their own, fetched when
 * chosen (the service worker keeps them, so switching works offline too): on a slow 3G line every
 * kilobyte of the first download counts, and most citizens keep French.
 */
const otherLanguages: Record<Exclude<Language, 'fr'>, () => Promise<{ default: object }>> = {
  wo: () => import('./locales/wo.json'),
  en: () => import('./locales/en.json'),
};

async function loadLanguage(code: Language): Promise<void> {
  if (code === 'fr' || i18next.hasResourceBundle(code, 'translation')) return;
  const bundle = await otherLanguages[code]();
  i18next.addResourceBundle(code, 'translation', bundle.default, true, true);
}

/** Switches the language once its texts are here: never a screen of half-translated strings. */
export async function setLanguage(code: Language): Promise<void> {
  globalThis.localStorage?.setItem(storageKey, code);
  try {
    await loadLanguage(code);
  } catch {
    // Offline before the service worker kept the chunk: stay in the language shown.
    return;
  }
  await i18next.changeLanguage(code);
}

i18next.on('languageChanged', (lng) => {
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
});

void i18next.use(initReactI18next).init({
  resources: { fr: { translation: fr } },
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** Resolves once the language chosen earlier on this device is loaded (at once for French). */
export const i18nReady: Promise<void> = (async () => {
  const saved = initialLanguage();
  if (saved === defaultLanguage) return;
  try {
    await loadLanguage(saved);
    await i18next.changeLanguage(saved);
  } catch {
    // Its chunk could not load (offline, not kept yet): French until the next switch.
  }
})();

export { i18next };
