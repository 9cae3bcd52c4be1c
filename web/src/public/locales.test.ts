import { describe, expect, it } from 'vitest';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import wo from './locales/wo.json' with { type: 'json' };

function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(obj).flatMap(([k, v]) =>
      v && typeof v === 'object'
        ? Object.entries(flatten(v as Record<string, unknown>, `${prefix}${k}.`))
        : [[`${prefix}${k}`, v]],
    ),
  );
}

describe('translations of the public pages (verification, performance)', () => {
  const locales = { fr: flatten(fr), wo: flatten(wo), en: flatten(en) };

  it('have the same keys in French, Wolof and English', () => {
    const keys = Object.keys(locales.fr).sort();
    expect(Object.keys(locales.wo).sort()).toEqual(keys);
    expect(Object.keys(locales.en).sort()).toEqual(keys);
  });

  it('have no empty strings', () => {
    for (const [lang, entries] of Object.entries(locales))
      for (const [key, value] of Object.entries(entries))
        expect(typeof value === 'string' && value.trim().length > 0, `${lang} ${key}`).toBe(true);
  });
});
