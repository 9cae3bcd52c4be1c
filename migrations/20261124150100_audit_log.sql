-- The audit log: one append-only hash chain of every sensitive action. Entry n's hash covers entry
-- n-1's hash and entry n's canonical JSON (docs/decisions/0004-audit-chain.md), so editing,
-- deleting or reordering any row breaks verification from that row on.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY CHECK (seq >= 0),
  id uuid NOT NULL UNIQUE,
  recorded_at text NOT NULL,
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  acting_as text,
  action text NOT NULL,
  subject_kind text,
  subject_id text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
  ip text,
  request_id text,
  details jsonb NOT NULL DEFAULT '{}',
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL UNIQUE
);
COMMENT ON COLUMN audit_log.seq IS 'Dense position in the chain from 0; a gap means a deleted entry';
COMMENT ON COLUMN audit_log.recorded_at IS 'ISO 8601 UTC with milliseconds, stored as the exact string that was hashed';
COMMENT ON COLUMN audit_log.acting_as IS 'The role or organisation on whose behalf the actor acted';
COMMENT ON COLUMN audit_log.prev_hash IS 'hash of entry seq-1; 32 zero bytes for seq 0';
COMMENT ON COLUMN audit_log.hash IS 'SHA-256(prev_hash || canonical JSON of the entry), RFC 8785 canonicalisation';
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);

-- Append-only for everyone going through SQL. A superuser can still disable the trigger: that is
-- why verification recomputes the chain instead of trusting the table. In production, also grant
-- the application's role only INSERT and SELECT on this table.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
