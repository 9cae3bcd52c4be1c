-- Verifiable documents issued to citizens' wallets: what was issued to whom (not the credential
-- itself: the wallet holds it), and where its revocation bit lives in the issuer's status list.
CREATE TABLE documents_credentials (
  id uuid PRIMARY KEY,
  nin text NOT NULL,
  type text NOT NULL,
  issuer text NOT NULL,
  kid text NOT NULL,
  status_list integer NOT NULL,
  status_idx integer NOT NULL,
  holder_jkt text NOT NULL,
  source text,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text,
  UNIQUE (issuer, status_list, status_idx)
);
COMMENT ON TABLE documents_credentials IS 'One row per SD-JWT VC issued; the claims are not kept here (the registry is the source, the wallet holds the credential)';
COMMENT ON COLUMN documents_credentials.issuer IS 'Issuing administration (organisations.identifier): the owner of the registry the claims come from';
COMMENT ON COLUMN documents_credentials.status_idx IS 'Index of the credential''s bit in the issuer''s Token Status List number status_list; drawn at random so the index says nothing of the issuance order';
COMMENT ON COLUMN documents_credentials.holder_jkt IS 'RFC 7638 thumbprint of the holder key the credential is bound to (cnf.jwk)';
COMMENT ON COLUMN documents_credentials.source IS 'The registry record the document reflects (licence number, plate, diploma number), to revoke it when that record changes';
CREATE INDEX documents_credentials_citizen ON documents_credentials (nin, issued_at DESC);
CREATE INDEX documents_credentials_revoked ON documents_credentials (issuer, status_list) WHERE revoked_at IS NOT NULL;
CREATE INDEX documents_credentials_source ON documents_credentials (type, source) WHERE revoked_at IS NULL;

CREATE TABLE documents_bridge_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE documents_bridge_keys IS 'Key the documents module signs its Digital Bridge requests with (reading the registry data a document carries)';
