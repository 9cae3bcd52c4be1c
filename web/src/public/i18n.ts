import { i18next } from '../i18n/index.ts';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };
import wo from './locales/wo.json' with { type: 'json' };

/**
 * The public pages' texts, in their own namespace: they load with these pages only, and the app's
 * locale files stay the app's.
 */
export const ns = 'public';
for (const [lng, bundle] of Object.entries({ fr, wo, en }))
  i18next.addResourceBundle(lng, ns, bundle, true, true);
