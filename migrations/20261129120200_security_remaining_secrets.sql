-- The last two secrets kept in clear get the envelope encryption of 20261129120000 (docs/decisions/0018):
-- the bridge's bearer tokens to providers' backends and OpenID Connect client secrets. SQL cannot
-- encrypt, so rows already in clear are wrapped at start (wrapClearSecrets) and their clear value
-- emptied; a later migration drops bridge_services.backend_token.

ALTER TABLE bridge_services ADD COLUMN backend_token_wrapped jsonb;
COMMENT ON COLUMN bridge_services.backend_token IS 'Obsolete: the backend bearer token in clear as older versions kept it; wrapped into backend_token_wrapped and emptied at start';
COMMENT ON COLUMN bridge_services.backend_token_wrapped IS 'Sent as a bearer token to the backend when set (UTF-8 text wrapped by the KMS; opens only with the context bridge_services.backend_token:<id>); never returned by the API';

-- oidc-provider keeps a client as one jsonb payload; its secret moves out of it into this column
-- (the storage adapter wraps on upsert and unwraps on find), so the payload holds no secret.
ALTER TABLE oidc_payloads ADD COLUMN client_secret_wrapped jsonb;
ALTER TABLE oidc_payloads ADD CONSTRAINT oidc_payloads_client_secret_only_for_clients
  CHECK (client_secret_wrapped IS NULL OR model = 'Client');
COMMENT ON COLUMN oidc_payloads.client_secret_wrapped IS 'A Client''s client_secret (UTF-8 text) wrapped by the KMS, removed from payload; opens only with the context oidc_payloads.client_secret:Client/<client id>. A payload still holding client_secret in clear (older versions) is wrapped at start';
