-- Partners: a company applies (legal identity, contacts, what it wants and why, its public keys);
-- an operator approves; it becomes a bridge member with an OpenID Connect client and an API key.
-- Consent requests may now come through a redirect: the partner does not know the citizen until
-- the citizen signs in at Jokko and approves there.

ALTER TABLE consent_requests ALTER COLUMN nin DROP NOT NULL;
ALTER TABLE consent_requests ADD COLUMN flow text NOT NULL DEFAULT 'decoupled' CHECK (flow IN ('decoupled', 'redirect'));
COMMENT ON COLUMN consent_requests.nin IS 'The citizen asked; NULL for a redirect request until the citizen who signs in approves it';

ALTER TABLE consents ADD COLUMN reminded_at timestamptz;
COMMENT ON COLUMN consents.reminded_at IS 'When the citizen was told the consent expires within a week (sent once)';
CREATE INDEX consents_expiring ON consents (valid_until) WHERE status = 'ACTIVE' AND reminded_at IS NULL;

CREATE TABLE partner_applications (
  id uuid PRIMARY KEY,
  organisation_id uuid NOT NULL,
  organisation text NOT NULL,
  legal_name text NOT NULL,
  contact jsonb NOT NULL,
  purpose text NOT NULL,
  services text[] NOT NULL,
  subsystem_code text NOT NULL,
  keys jsonb NOT NULL,
  redirect_uris text[] NOT NULL,
  environment text NOT NULL CHECK (environment IN ('sandbox', 'production')),
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  reason text,
  member_id uuid,
  subsystem_id uuid,
  oidc_client_id text UNIQUE,
  api_key_id uuid,
  credentials_issued_at timestamptz
);
CREATE INDEX partner_applications_status ON partner_applications (status, created_at);
COMMENT ON COLUMN partner_applications.token_hash IS 'SHA-256 of the follow-up token given to the applicant (the token itself is never stored)';
COMMENT ON COLUMN partner_applications.keys IS 'Public JWKs of the bridge subsystem, as uploaded; private keys never reach Jokko';
COMMENT ON COLUMN partner_applications.credentials_issued_at IS 'Secrets (client secret, API key) are made when the applicant collects them, once, and never stored in clear';
