-- The notify worker delivers the outbox: each row remembers its tries so a failed delivery is
-- retried later, and a citizen chooses where notices reach them besides the in-app inbox.
ALTER TABLE notify_outbox
  ADD COLUMN attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN last_error text,
  ADD COLUMN failed_at timestamptz;
COMMENT ON COLUMN notify_outbox.attempts IS 'Delivery tries started (counted when a worker claims the row, so a message that kills its worker still runs out of tries)';
COMMENT ON COLUMN notify_outbox.next_attempt_at IS 'When the row is due: NULL means now; after a failure, now + backoff; while a worker holds it, the end of its lease (a worker that dies leaves the row due again then)';
COMMENT ON COLUMN notify_outbox.last_error IS 'Why the last try failed: a short code, never the message text or a secret';
COMMENT ON COLUMN notify_outbox.failed_at IS 'Given up (too many tries, a permanent refusal or an expired message): kept, visible, never retried';

-- Workers claim due rows in this order: never-tried rows (NULL sorts as -infinity) first, oldest first.
DROP INDEX notify_outbox_unsent;
CREATE INDEX notify_outbox_due ON notify_outbox ((coalesce(next_attempt_at, '-infinity'::timestamptz)), created_at)
  WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE notify_contacts (
  nin text PRIMARY KEY,
  email text,
  phone text,
  language text NOT NULL,
  updated_at timestamptz NOT NULL
);
COMMENT ON TABLE notify_contacts IS 'The citizen''s own choices for notifications (set in the app), not the population register''s contact data';
COMMENT ON COLUMN notify_contacts.email IS 'Notices are also e-mailed here when set';
COMMENT ON COLUMN notify_contacts.phone IS 'E.164 number notices are also sent to by SMS when set';
COMMENT ON COLUMN notify_contacts.language IS 'Language of e-mails and SMS (one of the country profile''s languages)';
