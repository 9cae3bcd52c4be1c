import { type CountryProfile, normalizePhone } from '../../../shared/countries/index.ts';
import type { Actor, RequestOrigin } from '../../platform/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { invalidInput } from '../../platform/http/problems.ts';
import { authorize } from '../../platform/policy.ts';
import type { AuditLog } from '../audit/index.ts';
import { canManageOwnContact } from './policies.ts';

/**
 * The citizen's own choices for notifications: an e-mail address and a phone number that notices
 * are also sent to (the in-app inbox always gets them), and the language they are written in.
 * They are the citizen's, not the population register's, and are changed only in the app.
 */

export interface ContactDeps {
  database: Database;
  audit: AuditLog;
  country: CountryProfile;
  clock: () => Date;
}

export interface Contact {
  email: string | null;
  phone: string | null;
  language: string;
  /** Absent until the citizen first saves their choices. */
  updatedAt: string | null;
}

export interface ContactInput {
  email?: string | null;
  phone?: string | null;
  language: string;
}

export const contactLanguages = (country: CountryProfile): string[] => [
  country.languages.default,
  ...country.languages.others,
];

export async function getMyContact(deps: ContactDeps, actor: Actor): Promise<Contact> {
  authorize(actor, canManageOwnContact, undefined, 'read notification contacts');
  return (await contactOf(deps.database, actor.nin!)) ?? noContact(deps.country);
}

/** Replaces the choices (an absent address or number means none); the audit names what changed, not the values. */
export async function updateMyContact(
  deps: ContactDeps,
  actor: Actor,
  input: ContactInput,
  origin?: RequestOrigin,
): Promise<Contact> {
  authorize(actor, canManageOwnContact, undefined, 'change notification contacts');
  const nin = actor.nin!;
  if (!contactLanguages(deps.country).includes(input.language))
    throw invalidInput('body', '/language', `one of ${contactLanguages(deps.country).join(', ')}`);
  let phone: string | null = null;
  if (input.phone) {
    const checked = normalizePhone(deps.country, input.phone);
    if (!checked.ok) throw invalidInput('body', '/phone', checked.reason);
    phone = checked.e164;
  }
  const email = input.email?.trim() || null;
  const before = (await contactOf(deps.database, nin)) ?? noContact(deps.country);
  await deps.database.query(
    `INSERT INTO notify_contacts (nin, email, phone, language, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (nin) DO UPDATE SET email = EXCLUDED.email, phone = EXCLUDED.phone,
       language = EXCLUDED.language, updated_at = EXCLUDED.updated_at`,
    [nin, email, phone, input.language, deps.clock()],
  );
  const after = (await contactOf(deps.database, nin))!;
  const changed = (['email', 'phone', 'language'] as const).filter((k) => before[k] !== after[k]);
  await deps.audit.record({
    actor,
    action: 'notify.contact.updated',
    subject: { kind: 'person', id: nin },
    outcome: 'success',
    ...(origin ? { origin } : {}),
    details: { changed },
  });
  return after;
}

async function contactOf(database: Database, nin: string): Promise<Contact | undefined> {
  const [row] = await database.query<{
    email: string | null;
    phone: string | null;
    language: string;
    updated_at: Date;
  }>('SELECT email, phone, language, updated_at FROM notify_contacts WHERE nin = $1', [nin]);
  return (
    row && {
      email: row.email,
      phone: row.phone,
      language: row.language,
      updatedAt: new Date(row.updated_at).toISOString(),
    }
  );
}

const noContact = (country: CountryProfile): Contact => ({
  email: null,
  phone: null,
  language: country.languages.default,
  updatedAt: null,
});
