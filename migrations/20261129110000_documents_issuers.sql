-- Keys of verifiable documents: each administration's issuer keys, and the platform's key that
-- signs the trust list naming them. Private keys are kept wrapped by the KMS (envelope
-- encryption under the master key, see docs/decisions/0015), never as plain JWK.
CREATE TABLE documents_issuer_keys (
  kid text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  organisation text NOT NULL,
  alg text NOT NULL CHECK (alg IN ('ES256')),
  public_jwk jsonb NOT NULL,
  private_key_wrapped jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);
COMMENT ON TABLE documents_issuer_keys IS 'Keys administrations sign documents (SD-JWT VC) with; the newest non-retired key of an administration signs, every non-retired key is published in the trust list';
COMMENT ON COLUMN documents_issuer_keys.seq IS 'Order of creation: the highest non-retired seq of an administration is its current key (created_at comes from node clocks, which may disagree)';
COMMENT ON COLUMN documents_issuer_keys.organisation IS 'Issuing administration (organisations.identifier, e.g. DTTR)';
COMMENT ON COLUMN documents_issuer_keys.private_key_wrapped IS 'The private key (PKCS#8 DER) wrapped by the KMS: {v, keyId of the master key, dataKey, ciphertext}; opens only with the context documents-issuer:<organisation>:<kid>';
COMMENT ON COLUMN documents_issuer_keys.retired_at IS 'When the key stopped being trusted: it leaves the trust list, so what it signed no longer verifies';
CREATE INDEX documents_issuer_keys_current ON documents_issuer_keys (organisation, seq DESC) WHERE retired_at IS NULL;

CREATE TABLE documents_trust_keys (
  kid text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  alg text NOT NULL CHECK (alg IN ('ES256')),
  public_jwk jsonb NOT NULL,
  private_key_wrapped jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);
COMMENT ON TABLE documents_trust_keys IS 'The platform''s keys that sign the trust list; verifiers pin their public keys (the trust anchor)';
COMMENT ON COLUMN documents_trust_keys.seq IS 'Order of creation: the highest non-retired seq is the key that signs';
COMMENT ON COLUMN documents_trust_keys.private_key_wrapped IS 'The private key (PKCS#8 DER) wrapped by the KMS; opens only with the context documents-trust:<kid>';
COMMENT ON COLUMN documents_trust_keys.retired_at IS 'When the key left the trust anchor: trust lists it signed no longer verify';
