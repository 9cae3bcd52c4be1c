import type { Database } from '../../platform/db/database.ts';

export interface InboxMessage {
  id: string;
  template: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** Push templates written for citizens' eyes; nothing else (codes by SMS, letters) shows in the inbox. */
export const inboxTemplates = [
  'consent-request',
  'consent-first-use',
  'consent-expiring',
  'application-status',
] as const;

/**
 * The citizen's in-app inbox: the push messages of the notify outbox addressed to them, newest
 * first. The outbox is the single source, so what the inbox shows is what was sent.
 */
export async function listInbox(
  database: Database,
  nin: string,
  options: { limit: number; before?: Date },
): Promise<InboxMessage[]> {
  const rows = await database.query<{
    id: string;
    template: string;
    payload: Record<string, unknown>;
    created_at: Date;
  }>(
    `SELECT id, template, payload, created_at FROM notify_outbox
      WHERE channel = 'push' AND recipient = $1 AND template = ANY($2::text[]) AND ($3::timestamptz IS NULL OR created_at < $3)
      ORDER BY created_at DESC, id LIMIT $4`,
    [nin, [...inboxTemplates], options.before ?? null, options.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    template: r.template,
    payload: r.payload,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}
