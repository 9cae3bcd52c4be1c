-- Bearer API keys for operators, agents and system integrations until the OpenID Connect provider
-- issues access tokens. Only a SHA-256 hash of each key is stored: keys carry 256 bits of entropy,
-- so a slow hash adds nothing, and a stolen table yields no usable key.
CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  label text NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('citizen', 'agent', 'operator', 'partner', 'system')),
  actor_id text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  organisation_id uuid,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);
COMMENT ON COLUMN api_keys.token_hash IS 'SHA-256 of the full key string (jk_...); the key itself is shown once and never stored';
COMMENT ON COLUMN api_keys.roles IS 'Rights such as registries:read or audit:verify; * means every right (system use only)';
