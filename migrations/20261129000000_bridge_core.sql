-- The Digital Bridge: members, subsystems and their keys, services and endpoints, access rights,
-- replay nonces and the message log. Identifiers mirror X-Road (INSTANCE/CLASS/MEMBER/SUBSYSTEM).

CREATE TABLE bridge_members (
  id uuid PRIMARY KEY,
  organisation_id uuid NOT NULL UNIQUE REFERENCES organisations (id),
  instance text NOT NULL,
  member_class text NOT NULL CHECK (member_class IN ('GOV', 'COM', 'ORG')),
  member_code text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'rejected')),
  environment text NOT NULL DEFAULT 'production' CHECK (environment IN ('production', 'sandbox')),
  requested_at timestamptz NOT NULL,
  requested_by text NOT NULL,
  decided_at timestamptz,
  decided_by text,
  status_reason text,
  UNIQUE (instance, member_class, member_code)
);
COMMENT ON COLUMN bridge_members.environment IS 'Startups join the sandbox first: they reach sandbox services (synthetic data) only, until an operator promotes them';
COMMENT ON COLUMN bridge_members.member_class IS 'X-Road member class: GOV administrations, COM companies (banks, startups), ORG others';

CREATE TABLE bridge_subsystems (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES bridge_members (id),
  code text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL,
  UNIQUE (member_id, code)
);

CREATE TABLE bridge_keys (
  keyid text PRIMARY KEY,
  subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  alg text NOT NULL CHECK (alg IN ('ed25519', 'ecdsa-p256-sha256')),
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  not_after timestamptz
);
COMMENT ON COLUMN bridge_keys.keyid IS 'The keyid a client puts in its RFC 9421 Signature-Input; unique across the bridge';
COMMENT ON COLUMN bridge_keys.not_after IS 'Set when the key is rotated out (end of the overlap) or revoked; NULL while current';

CREATE TABLE bridge_services (
  id uuid PRIMARY KEY,
  subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  code text NOT NULL,
  version text NOT NULL DEFAULT '',
  title text NOT NULL,
  openapi jsonb NOT NULL,
  backend_url text NOT NULL,
  backend_token text,
  personal_data boolean NOT NULL DEFAULT false,
  timeout_ms integer NOT NULL DEFAULT 30000,
  enabled boolean NOT NULL DEFAULT true,
  environment text NOT NULL DEFAULT 'production' CHECK (environment IN ('production', 'sandbox')),
  created_at timestamptz NOT NULL,
  UNIQUE (subsystem_id, code, version)
);
COMMENT ON COLUMN bridge_services.version IS 'Empty for an unversioned service; otherwise the last segment of the service id (v1)';
COMMENT ON COLUMN bridge_services.backend_token IS 'Sent as a bearer token to the backend when set, so it accepts only the bridge; never returned by the API';
COMMENT ON COLUMN bridge_services.personal_data IS 'Calls carry a citizen''s data: the bridge requires consent or a declared legal basis';

CREATE TABLE bridge_endpoints (
  id uuid PRIMARY KEY,
  service_id uuid NOT NULL REFERENCES bridge_services (id) ON DELETE CASCADE,
  method text NOT NULL,
  path text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  UNIQUE (service_id, method, path)
);
COMMENT ON COLUMN bridge_endpoints.path IS 'OpenAPI path template, e.g. /people/{nin}';

CREATE TABLE bridge_groups (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  description text NOT NULL
);
CREATE TABLE bridge_group_members (
  group_id uuid NOT NULL REFERENCES bridge_groups (id) ON DELETE CASCADE,
  subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  PRIMARY KEY (group_id, subsystem_id)
);

CREATE TABLE bridge_access_rights (
  id uuid PRIMARY KEY,
  service_id uuid NOT NULL REFERENCES bridge_services (id),
  endpoint_id uuid REFERENCES bridge_endpoints (id) ON DELETE CASCADE,
  client_subsystem_id uuid REFERENCES bridge_subsystems (id),
  client_group_id uuid REFERENCES bridge_groups (id),
  legal_basis text,
  rate_per_second integer,
  quota_per_day integer,
  granted_at timestamptz NOT NULL,
  granted_by text NOT NULL,
  revoked_at timestamptz,
  revoked_by text,
  CHECK ((client_subsystem_id IS NULL) <> (client_group_id IS NULL))
);
COMMENT ON COLUMN bridge_access_rights.endpoint_id IS 'NULL: the whole service';
COMMENT ON COLUMN bridge_access_rights.legal_basis IS 'For personal-data services called without consent: the law that allows it (administrations only)';

CREATE TABLE bridge_quota_usage (
  right_id uuid NOT NULL REFERENCES bridge_access_rights (id),
  client text NOT NULL,
  day date NOT NULL,
  calls bigint NOT NULL,
  PRIMARY KEY (right_id, client, day)
);
COMMENT ON TABLE bridge_quota_usage IS 'Calls forwarded under each access right per client and UTC day, written with the message log';

-- Bumped in the same transaction as every change above; each node polls it and reloads its copy.
CREATE TABLE bridge_state (
  id integer PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO bridge_state (id, version) VALUES (1, 1);

CREATE TABLE bridge_nonces (
  client text NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client, nonce)
);
COMMENT ON TABLE bridge_nonces IS 'Signature nonces seen inside the replay window; a second use is a replay';

CREATE TABLE bridge_signing_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE bridge_signing_keys IS 'The bridge''s own Ed25519 keys that sign response digests and log exports; newest signs';

CREATE TABLE bridge_message_log (
  id uuid PRIMARY KEY,
  xroad_id text NOT NULL,
  client text NOT NULL,
  service text NOT NULL,
  method text NOT NULL,
  endpoint text,
  user_id text,
  issue text,
  subject text,
  consent_id text,
  request_hash text,
  response_hash text,
  status integer NOT NULL,
  problem text,
  request_bytes bigint NOT NULL,
  response_bytes bigint NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL,
  backend_ms double precision,
  record_hash text NOT NULL,
  signer text NOT NULL,
  signature text NOT NULL
);
CREATE INDEX bridge_message_log_service_time ON bridge_message_log (service, started_at);
CREATE INDEX bridge_message_log_subject ON bridge_message_log (subject, started_at) WHERE subject IS NOT NULL;
COMMENT ON COLUMN bridge_message_log.subject IS 'The citizen (NIN) the request names in X-Road-UserId or the consent, for the data tracker';
COMMENT ON COLUMN bridge_message_log.record_hash IS 'SHA-256 of the canonical record; batches are chained into the audit log';
COMMENT ON COLUMN bridge_message_log.signature IS 'The bridge''s Ed25519 signature over record_hash, by the key named in signer';

CREATE OR REPLACE FUNCTION bridge_message_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'bridge_message_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER bridge_message_log_no_change BEFORE UPDATE OR DELETE ON bridge_message_log
  FOR EACH ROW EXECUTE FUNCTION bridge_message_log_append_only();
