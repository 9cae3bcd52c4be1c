-- The audit log as a transparency log (RFC 9162): the Merkle tree's complete subtrees, the log's
-- signing keys and the signed tree heads it publishes. All three are append-only like audit_log.

CREATE TABLE audit_tree_nodes (
  level smallint NOT NULL CHECK (level >= 0 AND level < 64),
  idx bigint NOT NULL CHECK (idx >= 0),
  hash bytea NOT NULL,
  PRIMARY KEY (level, idx)
);
COMMENT ON TABLE audit_tree_nodes IS 'Hash of every complete subtree of the audit Merkle tree, written with the entries; proofs read O(log n) of them';
COMMENT ON COLUMN audit_tree_nodes.idx IS 'The subtree covers entries [idx * 2^level, (idx + 1) * 2^level); level 0 holds the leaf hashes SHA-256(0x00 || canonical entry)';
COMMENT ON COLUMN audit_tree_nodes.hash IS 'Level 0: SHA-256(0x00 || leaf); above: SHA-256(0x01 || left || right)';

CREATE TABLE audit_log_keys (
  kid text PRIMARY KEY,
  public_jwk jsonb NOT NULL,
  private_key_wrapped jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);
COMMENT ON COLUMN audit_log_keys.private_key_wrapped IS 'Ed25519 private key (PKCS#8) under envelope encryption by the KMS (context audit-log-key:<kid>)';

CREATE TABLE audit_tree_heads (
  tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash bytea NOT NULL,
  issued_at text NOT NULL,
  kid text NOT NULL REFERENCES audit_log_keys (kid),
  jws text NOT NULL
);
COMMENT ON TABLE audit_tree_heads IS 'Signed tree heads, published periodically; witnesses keep them and check each new one is consistent with the last';
COMMENT ON COLUMN audit_tree_heads.jws IS 'Compact JWS (EdDSA) over {"treeSize","rootHash","issuedAt"}, the exact bytes a witness verifies';

CREATE FUNCTION audit_transparency_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER audit_tree_nodes_no_update BEFORE UPDATE OR DELETE ON audit_tree_nodes
  FOR EACH ROW EXECUTE FUNCTION audit_transparency_append_only();
CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION audit_transparency_append_only();
CREATE TRIGGER audit_tree_heads_no_update BEFORE UPDATE OR DELETE ON audit_tree_heads
  FOR EACH ROW EXECUTE FUNCTION audit_transparency_append_only();
CREATE TRIGGER audit_tree_heads_no_truncate BEFORE TRUNCATE ON audit_tree_heads
  FOR EACH STATEMENT EXECUTE FUNCTION audit_transparency_append_only();

-- A citizen's proof of a bridge exchange starts from the batch entry that chained its record.
CREATE INDEX audit_log_bridge_batch_ids ON audit_log USING gin ((details -> 'ids'))
  WHERE action = 'bridge.message-log.batch';
