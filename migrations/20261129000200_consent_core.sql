-- Consent: a partner asks a citizen for named data for a purpose and period; the citizen's
-- approval becomes a signed artefact (JWS) whose revisions form a hash chain; the bridge forwards
-- personal data to a partner only under an ACTIVE consent that covers the call.

CREATE TABLE consent_purposes (
  code text PRIMARY KEY,
  title_fr text NOT NULL,
  title_en text NOT NULL
);
INSERT INTO consent_purposes (code, title_fr, title_en) VALUES
  ('account-opening', 'Ouverture de compte (connaissance du client)', 'Account opening (know your customer)'),
  ('credit-assessment', 'Étude d''une demande de crédit', 'Credit assessment'),
  ('insurance-underwriting', 'Souscription d''une assurance', 'Insurance underwriting'),
  ('employment-verification', 'Vérification avant embauche', 'Employment verification'),
  ('rental-application', 'Dossier de location d''un logement', 'Rental application'),
  ('mobile-money-kyc', 'Identification pour un compte de monnaie mobile', 'Mobile-money identification');

CREATE TABLE consent_requests (
  id uuid PRIMARY KEY,
  partner_subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  partner text NOT NULL,
  nin text NOT NULL,
  items jsonb NOT NULL,
  purpose_code text NOT NULL REFERENCES consent_purposes (code),
  purpose_text text NOT NULL,
  valid_days integer NOT NULL CHECK (valid_days BETWEEN 1 AND 730),
  frequency jsonb NOT NULL,
  data_life_days integer NOT NULL CHECK (data_life_days BETWEEN 0 AND 3650),
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  decided_at timestamptz,
  consent_id uuid
);
CREATE INDEX consent_requests_citizen ON consent_requests (nin, status);
COMMENT ON COLUMN consent_requests.items IS 'Bridge services asked for: [{"service": "SN/GOV/DAF/registries/people/v1"}]';
COMMENT ON COLUMN consent_requests.frequency IS '{"type": "once"} or {"type": "recurring", "perDay": n}';

CREATE TABLE consents (
  id uuid PRIMARY KEY,
  nin text NOT NULL,
  partner_subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  partner text NOT NULL,
  items jsonb NOT NULL,
  purpose_code text NOT NULL REFERENCES consent_purposes (code),
  purpose_text text NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  frequency jsonb NOT NULL,
  data_life_days integer NOT NULL,
  status text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'REVOKED', 'EXPIRED')),
  revision integer NOT NULL,
  artefact text NOT NULL,
  head_hash text NOT NULL,
  uses integer NOT NULL DEFAULT 0,
  first_used_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX consents_citizen ON consents (nin, status);
CREATE INDEX consents_partner ON consents (partner_subsystem_id, status);
COMMENT ON COLUMN consents.artefact IS 'The latest signed revision (compact JWS, EdDSA)';
COMMENT ON COLUMN consents.head_hash IS 'SHA-256 of the latest artefact; each revision names the previous one';

CREATE TABLE consent_revisions (
  consent_id uuid NOT NULL REFERENCES consents (id),
  revision integer NOT NULL,
  status text NOT NULL,
  artefact text NOT NULL,
  hash text NOT NULL,
  prev_hash text,
  changed_at timestamptz NOT NULL,
  changed_by text NOT NULL,
  PRIMARY KEY (consent_id, revision)
);

CREATE TABLE consent_usage (
  consent_id uuid NOT NULL REFERENCES consents (id),
  day date NOT NULL,
  calls integer NOT NULL,
  PRIMARY KEY (consent_id, day)
);
COMMENT ON TABLE consent_usage IS 'Calls made under a consent per UTC day, counted atomically before the bridge forwards (frequency limits)';

CREATE TABLE consent_signing_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
COMMENT ON TABLE consent_signing_keys IS 'Ed25519 keys that sign consent artefacts; newest signs, all stay published';
