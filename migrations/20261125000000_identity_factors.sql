-- Second factors (TOTP, passkeys), recovery codes, single-use WebAuthn challenges and the
-- in-progress steps of a login. All of it lives in the database so any node can serve any step.
CREATE TABLE identity_factors (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('totp', 'passkey')),
  name text NOT NULL,
  confirmed boolean NOT NULL DEFAULT false,
  totp_secret text,
  totp_last_step bigint,
  credential_id text UNIQUE,
  public_key bytea,
  sign_count bigint,
  transports text[],
  device_type text,
  backed_up boolean,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  CHECK ((kind = 'totp' AND totp_secret IS NOT NULL) OR (kind = 'passkey' AND credential_id IS NOT NULL AND public_key IS NOT NULL))
);
CREATE INDEX identity_factors_account ON identity_factors (account_id);
COMMENT ON COLUMN identity_factors.totp_secret IS 'RFC 6238 shared secret (base32); to be envelope-encrypted at rest by the security issue, like the signing keys';
COMMENT ON COLUMN identity_factors.totp_last_step IS 'Last accepted 30-second time step: a code is never accepted twice';
COMMENT ON COLUMN identity_factors.credential_id IS 'WebAuthn credential id (base64url); the public key is COSE-encoded';

CREATE TABLE identity_recovery_codes (
  account_id uuid NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (account_id, code_hash)
);
COMMENT ON TABLE identity_recovery_codes IS 'Ten single-use codes shown once at enrolment; only SHA-256 hashes are kept';

CREATE TABLE identity_challenges (
  id text PRIMARY KEY,
  purpose text NOT NULL,
  account_id uuid,
  challenge text NOT NULL,
  expires_at timestamptz NOT NULL
);
COMMENT ON TABLE identity_challenges IS 'WebAuthn challenges, consumed once (DELETE ... RETURNING) within five minutes';

CREATE TABLE identity_login_steps (
  interaction_uid text PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
  amr text[] NOT NULL,
  expires_at timestamptz NOT NULL
);
COMMENT ON TABLE identity_login_steps IS 'Factors already proven within one login interaction (bound to the browser by the interaction cookie)';

CREATE TABLE identity_secrets (
  name text PRIMARY KEY,
  secret bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE identity_secrets IS 'Keys every node must share (cookie signing, form tokens, pairwise subject salt), created once; envelope encryption is for the security issue';

ALTER TABLE oidc_signing_keys ADD COLUMN activated_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN oidc_signing_keys.activated_at IS 'Newest active key signs; older unretired keys stay in the JWKS so tokens they signed still verify';

-- Enrolment (and recovery) runs over several pages; its state is a row keyed by the hash of a
-- cookie, so any node serves any page. An account stays 'pending' until it has a second factor.
CREATE TABLE identity_enrolments (
  token_hash bytea PRIMARY KEY,
  nin text,
  purpose text CHECK (purpose IN ('enrol', 'recover')),
  account_id uuid REFERENCES identity_accounts (id) ON DELETE CASCADE,
  totp_factor_id uuid,
  expires_at timestamptz NOT NULL
);
ALTER TABLE identity_accounts DROP CONSTRAINT identity_accounts_status_check;
ALTER TABLE identity_accounts ADD CONSTRAINT identity_accounts_status_check CHECK (status IN ('pending', 'active', 'locked'));
