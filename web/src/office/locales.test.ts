import { describe, expect, it } from 'vitest';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import wo from './locales/wo.json' with { type: 'json' };

const flatten = (obj: Record<string, unknown>, prefix = ''): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(obj).flatMap(([k, v]) =>
      v && typeof v === 'object'
        ? Object.entries(flatten(v as Record<string, unknown>, `${prefix}${k}.`))
        : [[`${prefix}${k}`, v]],
    ),
  );

describe('back-office translations', () => {
  const locales = { fr: flatten(fr), wo: flatten(wo), en: flatten(en) };

  it('have the same keys in French, Wolof and English, none empty', () => {
    const keys = Object.keys(locales.fr).sort();
    expect(Object.keys(locales.wo).sort()).toEqual(keys);
    expect(Object.keys(locales.en).sort()).toEqual(keys);
    for (const [lang, entries] of Object.entries(locales))
      for (const [key, value] of Object.entries(entries))
        expect(typeof value === 'string' && value.trim().length > 0, `${lang} ${key}`).toBe(true);
  });

  it('use the same placeholders in every language', () => {
    const placeholders = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(locales.fr))
      for (const lang of ['wo', 'en'] as const)
        expect(placeholders(locales[lang][key]), `${lang} ${key}`).toEqual(placeholders(locales.fr[key]));
  });
});
