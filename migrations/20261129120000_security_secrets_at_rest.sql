-- Every private key and shared secret kept in the database is stored wrapped by the KMS (envelope
-- encryption under the master key, docs/decisions/0018). SQL cannot encrypt, so the clear columns
-- only become nullable here: at start the platform wraps any row still in clear and empties its
-- clear column (wrapClearSecrets, idempotent); a later migration drops them.

ALTER TABLE oidc_signing_keys ADD COLUMN private_key_wrapped jsonb;
ALTER TABLE oidc_signing_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE oidc_signing_keys ADD CONSTRAINT oidc_signing_keys_private_key_kept
  CHECK (private_key_wrapped IS NOT NULL OR private_jwk IS NOT NULL);
COMMENT ON COLUMN oidc_signing_keys.private_jwk IS 'Obsolete: the private JWK in clear as older versions kept it; wrapped into private_key_wrapped and emptied at start';
COMMENT ON COLUMN oidc_signing_keys.private_key_wrapped IS 'The private JWK (ES256, JSON) wrapped by the KMS: {v, keyId of the master key, dataKey, ciphertext}; opens only with the context oidc_signing_keys.private_key:<kid>';

ALTER TABLE identity_factors ADD COLUMN totp_secret_wrapped jsonb;
ALTER TABLE identity_factors DROP CONSTRAINT identity_factors_check;
ALTER TABLE identity_factors ADD CONSTRAINT identity_factors_check CHECK (
  (kind = 'totp' AND (totp_secret_wrapped IS NOT NULL OR totp_secret IS NOT NULL))
  OR (kind = 'passkey' AND credential_id IS NOT NULL AND public_key IS NOT NULL)
);
COMMENT ON COLUMN identity_factors.totp_secret IS 'Obsolete: the RFC 6238 secret (base32) in clear as older versions kept it; wrapped into totp_secret_wrapped and emptied at start';
COMMENT ON COLUMN identity_factors.totp_secret_wrapped IS 'The RFC 6238 shared secret (base32 text) wrapped by the KMS; opens only with the context identity_factors.totp_secret:<id>';

ALTER TABLE identity_secrets ADD COLUMN secret_wrapped jsonb;
ALTER TABLE identity_secrets ALTER COLUMN secret DROP NOT NULL;
ALTER TABLE identity_secrets ADD CONSTRAINT identity_secrets_secret_kept
  CHECK (secret_wrapped IS NOT NULL OR secret IS NOT NULL);
COMMENT ON TABLE identity_secrets IS 'Keys every node must share (cookie signing, form tokens, pairwise subject salt), created once and stored wrapped by the KMS';
COMMENT ON COLUMN identity_secrets.secret IS 'Obsolete: the secret in clear as older versions kept it; wrapped into secret_wrapped and emptied at start';
COMMENT ON COLUMN identity_secrets.secret_wrapped IS 'The 32 secret bytes wrapped by the KMS; opens only with the context identity_secrets.secret:<name>';

-- The Ed25519 keys of the bridge, consent artefacts, e-services outputs and the modules' bridge
-- clients share one shape (platform/signing-keys.ts).
ALTER TABLE bridge_signing_keys ADD COLUMN private_key_wrapped jsonb;
ALTER TABLE bridge_signing_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE bridge_signing_keys ADD CONSTRAINT bridge_signing_keys_private_key_kept
  CHECK (private_key_wrapped IS NOT NULL OR private_jwk IS NOT NULL);
COMMENT ON COLUMN bridge_signing_keys.private_jwk IS 'Obsolete: the private JWK in clear as older versions kept it; wrapped into private_key_wrapped and emptied at start';
COMMENT ON COLUMN bridge_signing_keys.private_key_wrapped IS 'The private JWK (Ed25519, JSON) wrapped by the KMS; opens only with the context bridge_signing_keys.private_key:<kid>';

ALTER TABLE consent_signing_keys ADD COLUMN private_key_wrapped jsonb;
ALTER TABLE consent_signing_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE consent_signing_keys ADD CONSTRAINT consent_signing_keys_private_key_kept
  CHECK (private_key_wrapped IS NOT NULL OR private_jwk IS NOT NULL);
COMMENT ON COLUMN consent_signing_keys.private_jwk IS 'Obsolete: the private JWK in clear as older versions kept it; wrapped into private_key_wrapped and emptied at start';
COMMENT ON COLUMN consent_signing_keys.private_key_wrapped IS 'The private JWK (Ed25519, JSON) wrapped by the KMS; opens only with the context consent_signing_keys.private_key:<kid>';

ALTER TABLE eservices_keys ADD COLUMN private_key_wrapped jsonb;
ALTER TABLE eservices_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE eservices_keys ADD CONSTRAINT eservices_keys_private_key_kept
  CHECK (private_key_wrapped IS NOT NULL OR private_jwk IS NOT NULL);
COMMENT ON COLUMN eservices_keys.private_jwk IS 'Obsolete: the private JWK in clear as older versions kept it; wrapped into private_key_wrapped and emptied at start';
COMMENT ON COLUMN eservices_keys.private_key_wrapped IS 'The private JWK (Ed25519, JSON) wrapped by the KMS; opens only with the context eservices_keys.private_key:<kid>';

ALTER TABLE eservices_bridge_keys ADD COLUMN private_key_wrapped jsonb;
ALTER TABLE eservices_bridge_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE eservices_bridge_keys ADD CONSTRAINT eservices_bridge_keys_private_key_kept
  CHECK (private_key_wrapped IS NOT NULL OR private_jwk IS NOT NULL);
COMMENT ON COLUMN eservices_bridge_keys.private_jwk IS 'Obsolete: the private JWK in clear as older versions kept it; wrapped into private_key_wrapped and emptied at start';
COMMENT ON COLUMN eservices_bridge_keys.private_key_wrapped IS 'The private JWK (Ed25519, JSON) wrapped by the KMS; opens only with the context eservices_bridge_keys.private_key:<kid>';

ALTER TABLE documents_bridge_keys ADD COLUMN private_key_wrapped jsonb;
ALTER TABLE documents_bridge_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE documents_bridge_keys ADD CONSTRAINT documents_bridge_keys_private_key_kept
  CHECK (private_key_wrapped IS NOT NULL OR private_jwk IS NOT NULL);
COMMENT ON COLUMN documents_bridge_keys.private_jwk IS 'Obsolete: the private JWK in clear as older versions kept it; wrapped into private_key_wrapped and emptied at start';
COMMENT ON COLUMN documents_bridge_keys.private_key_wrapped IS 'The private JWK (Ed25519, JSON) wrapped by the KMS; opens only with the context documents_bridge_keys.private_key:<kid>';
