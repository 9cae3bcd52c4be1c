-- Rate-limit counters shared by every node (one row per rule, key and fixed window).
CREATE TABLE rate_limit_counters (
  bucket text NOT NULL,
  key_hash bytea NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (bucket, key_hash, window_start)
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);
COMMENT ON COLUMN rate_limit_counters.key_hash IS 'SHA-256 of the rule name and the key (an IP address or a NIN is personal data: never stored in clear)';
