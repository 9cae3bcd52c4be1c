-- Documents follow their registries: a sweep re-reads, through the bridge, the record each valid
-- document was made from, and revokes the document when the record no longer says the same.
ALTER TABLE documents_credentials ADD COLUMN checked_at timestamptz;
COMMENT ON COLUMN documents_credentials.checked_at IS 'When the sweep last compared the document with its registry record (NULL: never since issuance)';
CREATE INDEX documents_credentials_to_check ON documents_credentials (checked_at NULLS FIRST, issued_at) WHERE revoked_at IS NULL;
