-- Civil servants: an account acts for an administration with roles there.
CREATE TABLE identity_agent_roles (
  account_id uuid NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
  organisation_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('instructor', 'decider')),
  granted_at timestamptz NOT NULL,
  granted_by text NOT NULL,
  PRIMARY KEY (account_id, organisation_id, role)
);
COMMENT ON TABLE identity_agent_roles IS 'Agents: which administration an account works for and its roles there (instructor prepares, decider decides); read when the back-office client presents the account''s token';
