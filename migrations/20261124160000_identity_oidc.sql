-- Citizen accounts and the OpenID Connect provider's state. Nothing the provider needs lives in a
-- process's memory: sessions, codes, tokens, grants and clients are rows, so any node can serve
-- any step of a login.
CREATE TABLE identity_accounts (
  id uuid PRIMARY KEY,
  nin text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked')),
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN identity_accounts.password_hash IS 'argon2id PHC string (parameters inside the string)';
COMMENT ON COLUMN identity_accounts.locked_until IS 'Progressive lock-out after failed attempts; null when not locked';

CREATE TABLE identity_activation_codes (
  nin text PRIMARY KEY,
  code_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE identity_activation_codes IS 'One-time enrolment codes delivered out of band; only their SHA-256 is kept';

CREATE TABLE oidc_payloads (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  uid text,
  user_code text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
COMMENT ON TABLE oidc_payloads IS 'oidc-provider adapter storage: sessions, interactions, codes, tokens, grants, clients';
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_expires ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE oidc_signing_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
COMMENT ON COLUMN oidc_signing_keys.private_jwk IS 'Signing key; to be envelope-encrypted at rest by the security issue';
