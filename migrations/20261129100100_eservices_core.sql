-- Public e-services: procedures defined as data, citizens' applications, the back-office's work.

CREATE TABLE eservices_procedures (
  id text NOT NULL,
  version integer NOT NULL,
  country text NOT NULL,
  owner text NOT NULL,
  definition jsonb NOT NULL,
  source text NOT NULL CHECK (source IN ('repository', 'editor')),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  PRIMARY KEY (id, version)
);
COMMENT ON TABLE eservices_procedures IS 'Every version of every procedure definition; the highest version is the one citizens start; applications keep the version they started on';
COMMENT ON COLUMN eservices_procedures.source IS 'repository: loaded from procedures/<country>/*.json at start; editor: written by an operator through the API';

CREATE SEQUENCE eservices_reference_seq;

CREATE TABLE eservices_applications (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  procedure_id text NOT NULL,
  procedure_version integer NOT NULL,
  owner text NOT NULL,
  nin text NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'submitted', 'in_review', 'info_requested', 'approved', 'rejected', 'completed', 'withdrawn')),
  step integer NOT NULL DEFAULT 0,
  data jsonb NOT NULL,
  prefilled jsonb NOT NULL,
  language text NOT NULL,
  fee_amount integer NOT NULL,
  fee_currency text NOT NULL,
  channel text NOT NULL DEFAULT 'online' CHECK (channel IN ('online', 'counter')),
  submission_key text,
  assigned_to uuid,
  due_at timestamptz,
  target_at timestamptz,
  output jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  submitted_at timestamptz,
  decided_at timestamptz,
  FOREIGN KEY (procedure_id, procedure_version) REFERENCES eservices_procedures (id, version)
);
COMMENT ON COLUMN eservices_applications.owner IS 'Administration (organisations.identifier) that works the application; agents see their own administration''s only';
COMMENT ON COLUMN eservices_applications.step IS 'Index of the current workflow step of the procedure version';
COMMENT ON COLUMN eservices_applications.prefilled IS 'Fields taken from registries through the bridge (once-only): field -> registry, bridge service, time';
COMMENT ON COLUMN eservices_applications.submission_key IS 'Idempotency-Key of the submission that was accepted: the same key again answers the same result';
COMMENT ON COLUMN eservices_applications.due_at IS 'When the current step should be done (service-level target); NULL outside the back-office';
COMMENT ON COLUMN eservices_applications.target_at IS 'Submission time plus the service-level targets of all steps: a decision after it missed the target';
COMMENT ON COLUMN eservices_applications.output IS 'What approval produced: verification code, kind, issue and expiry dates';
COMMENT ON COLUMN eservices_applications.decided_at IS 'When the final decision (approved or rejected) was taken';
CREATE INDEX eservices_applications_queue ON eservices_applications (owner, status, due_at);
CREATE INDEX eservices_applications_citizen ON eservices_applications (nin, created_at DESC);
CREATE INDEX eservices_applications_performance ON eservices_applications (procedure_id, submitted_at) WHERE submitted_at IS NOT NULL;

CREATE TABLE eservices_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES eservices_applications (id),
  at timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('transition', 'comment', 'assignment')),
  from_status text,
  to_status text,
  step integer,
  decision text,
  message text,
  internal boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE eservices_events IS 'Timeline of an application: each transition (timestamped, with who), comments and assignments';
COMMENT ON COLUMN eservices_events.internal IS 'An agents-only comment: never shown to the citizen';
CREATE INDEX eservices_events_application ON eservices_events (application_id, id);

CREATE TABLE eservices_attachments (
  id uuid PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES eservices_applications (id),
  slot text NOT NULL,
  filename text NOT NULL,
  media_type text NOT NULL,
  size_bytes integer NOT NULL,
  sha256 text NOT NULL,
  scan text NOT NULL CHECK (scan IN ('clean')),
  content bytea NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON COLUMN eservices_attachments.scan IS 'Verdict of the virus-scan hook; only clean files are kept';
CREATE INDEX eservices_attachments_application ON eservices_attachments (application_id);

CREATE TABLE eservices_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE eservices_keys IS 'Ed25519 keys that sign the verification codes of outputs (decision letters, extracts); old keys stay published';

CREATE TABLE eservices_bridge_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE eservices_bridge_keys IS 'Key the e-services subsystem signs its Digital Bridge requests with (pre-filling forms from registries)';
