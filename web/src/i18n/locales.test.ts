import { describe, expect, it } from 'vitest';
import officeEn from '../office/locales/en.json' with { type: 'json' };
import officeFr from '../office/locales/fr.json' with { type: 'json' };
import officeWo from '../office/locales/wo.json' with { type: 'json' };
import publicEn from '../public/locales/en.json' with { type: 'json' };
import publicFr from '../public/locales/fr.json' with { type: 'json' };
import publicWo from '../public/locales/wo.json' with { type: 'json' };
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

const bundles = {
  'landing and super-app': { fr, wo, en },
  'back-office': { fr: officeFr, wo: officeWo, en: officeEn },
  'public pages (verification, performance)': { fr: publicFr, wo: publicWo, en: publicEn },
};

describe.each(Object.entries(bundles))('translations of the %s', (_name, bundle) => {
  const locales = { fr: flatten(bundle.fr), wo: flatten(bundle.wo), en: flatten(bundle.en) };

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

  it('use the same placeholders in every language', () => {
    const placeholders = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(locales.fr))
      for (const lang of ['wo', 'en'] as const)
        expect(placeholders(locales[lang][key]), `${lang} ${key}`).toEqual(placeholders(locales.fr[key]));
  });
});
