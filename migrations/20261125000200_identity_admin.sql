-- Back-office side of citizen accounts: why an account was locked, what an activation code is for
-- and who issued it, and the outbox through which every message leaves the platform.
ALTER TABLE identity_activation_codes ADD COLUMN purpose text NOT NULL DEFAULT 'enrol' CHECK (purpose IN ('enrol', 'recover'));
ALTER TABLE identity_activation_codes ADD COLUMN issued_by text;
ALTER TABLE identity_accounts ADD COLUMN locked_reason text;

CREATE TABLE notify_outbox (
  id uuid PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('sms', 'letter', 'email', 'push')),
  recipient text NOT NULL,
  template text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX notify_outbox_unsent ON notify_outbox (created_at) WHERE sent_at IS NULL;
COMMENT ON TABLE notify_outbox IS 'Every message leaves the platform through this table, written in the same transaction as its cause; the notify worker (notify issue) delivers and marks rows, so a failed delivery loses nothing';
