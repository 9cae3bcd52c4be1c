import { randomUUID } from 'node:crypto';
import type { SqlSession } from '../../platform/db/database.ts';
import type { ApplicationStatus } from './templates.ts';

/** The payload of `application-status`: a change in one of the citizen's applications. */
export interface ApplicationStatusPayload {
  reference: string;
  procedure: { id: string; title: Record<string, string> };
  status: ApplicationStatus;
  /** A note from the agent (e.g. what information is missing). */
  message?: string;
  applicationId?: string;
}

/** What a module may tell a citizen; each template's payload is typed here. */
export type CitizenNotice = {
  template: 'application-status';
  payload: ApplicationStatusPayload;
};

/**
 * Tells a citizen something, inside the caller's transaction so the notice exists if and only if
 * its cause does: always in the app's inbox (a `push` row), and by e-mail and SMS too when the
 * citizen gave an address or number for that (notify_contacts). Each row carries the language to
 * write it in: the citizen's choice, else `defaultLanguage` (the country profile's).
 */
export async function notifyCitizen(
  session: SqlSession,
  notice: CitizenNotice & { nin: string; defaultLanguage: string },
): Promise<void> {
  const [contact] = await session.query<{ email: string | null; phone: string | null; language: string }>(
    'SELECT email, phone, language FROM notify_contacts WHERE nin = $1',
    [notice.nin],
  );
  const payload = JSON.stringify({
    ...notice.payload,
    language: contact?.language ?? notice.defaultLanguage,
  });
  const rows: Array<[channel: string, recipient: string]> = [['push', notice.nin]];
  if (contact?.email) rows.push(['email', contact.email]);
  if (contact?.phone) rows.push(['sms', contact.phone]);
  await session.query(
    `INSERT INTO notify_outbox (id, channel, recipient, template, payload)
     SELECT id, channel, recipient, $4, $5::jsonb
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS r (id, channel, recipient)`,
    [
      rows.map(() => randomUUID()),
      rows.map(([channel]) => channel),
      rows.map(([, recipient]) => recipient),
      notice.template,
      payload,
    ],
  );
}
