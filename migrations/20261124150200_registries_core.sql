-- The registries: authoritative records held by administrations. Every citizen table is keyed or
-- indexed by the NIN (the distribution column if registries are ever sharded, see docs/scaling.md).
-- Person references (parents, owners, holders) carry no foreign keys so registries owned by
-- different administrations can be loaded and corrected independently, as they are in reality.
CREATE TABLE organisations (
  id uuid PRIMARY KEY,
  identifier text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('administration', 'bank', 'company', 'startup', 'operator')),
  name text NOT NULL,
  short_name text NOT NULL,
  email text,
  phone text,
  website text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  country text NOT NULL,
  fictional boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN organisations.identifier IS 'Short stable code (e.g. DGID) or business number (NINEA) used across the platform';
COMMENT ON COLUMN organisations.fictional IS 'Invented for the demo population (banks, startups); never true in production';

CREATE TABLE registries (
  code text PRIMARY KEY,
  title text NOT NULL,
  owner_id uuid NOT NULL REFERENCES organisations (id)
);
COMMENT ON TABLE registries IS 'Which organisation is the authoritative owner of each registry';

CREATE TABLE people (
  nin text PRIMARY KEY,
  given_names text NOT NULL,
  family_name text NOT NULL,
  sex text NOT NULL CHECK (sex IN ('male', 'female')),
  birth_date date NOT NULL,
  birth_place text NOT NULL,
  nationality text NOT NULL,
  father_nin text,
  mother_nin text,
  civil_status text NOT NULL CHECK (civil_status IN ('single', 'married', 'divorced', 'widowed')),
  spouse_nin text,
  region_code text NOT NULL,
  department_code text NOT NULL,
  locality text NOT NULL,
  address_line text NOT NULL,
  phone text,
  email text,
  death_date date,
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN people.nin IS 'National identification number, format from the country profile';
COMMENT ON COLUMN people.region_code IS 'ISO 3166-2 region code from the country profile';
COMMENT ON COLUMN people.phone IS 'E.164';
CREATE INDEX people_father ON people (father_nin) WHERE father_nin IS NOT NULL;
CREATE INDEX people_mother ON people (mother_nin) WHERE mother_nin IS NOT NULL;
CREATE INDEX people_family_name ON people (family_name, nin);
CREATE INDEX people_region ON people (region_code, nin);

CREATE TABLE vehicles (
  plate text PRIMARY KEY,
  vin text NOT NULL UNIQUE,
  make text NOT NULL,
  model text NOT NULL,
  year integer NOT NULL,
  colour text NOT NULL,
  category text NOT NULL CHECK (category IN ('car', 'pickup', 'bus', 'motorcycle')),
  owner_nin text NOT NULL,
  first_registered date NOT NULL,
  status text NOT NULL CHECK (status IN ('registered', 'stolen', 'scrapped'))
);
CREATE INDEX vehicles_owner ON vehicles (owner_nin);

CREATE TABLE driving_licences (
  number text PRIMARY KEY,
  holder_nin text NOT NULL,
  categories text[] NOT NULL,
  issued_on date NOT NULL,
  expires_on date NOT NULL,
  status text NOT NULL CHECK (status IN ('valid', 'suspended', 'expired'))
);
CREATE INDEX driving_licences_holder ON driving_licences (holder_nin);

CREATE TABLE land_titles (
  title_number text PRIMARY KEY,
  region_code text NOT NULL,
  department_code text NOT NULL,
  locality text NOT NULL,
  area_m2 integer NOT NULL CHECK (area_m2 > 0),
  land_use text NOT NULL,
  owner_nin text NOT NULL,
  acquired_on date NOT NULL,
  encumbrances text
);
COMMENT ON COLUMN land_titles.title_number IS 'Land title (titre foncier) number with its registry office, e.g. TF 1234/DK';
COMMENT ON COLUMN land_titles.encumbrances IS 'Mortgages or other charges registered against the title; null when free';
CREATE INDEX land_titles_owner ON land_titles (owner_nin);

CREATE TABLE tax_records (
  taxpayer_nin text NOT NULL,
  year integer NOT NULL,
  tax_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('up_to_date', 'arrears', 'exempt')),
  declared_income bigint NOT NULL,
  tax_due bigint NOT NULL,
  tax_paid bigint NOT NULL,
  PRIMARY KEY (taxpayer_nin, year)
);
COMMENT ON COLUMN tax_records.declared_income IS 'In the country currency''s smallest unit in use (XOF: francs)';

CREATE TABLE diplomas (
  number text PRIMARY KEY,
  holder_nin text NOT NULL,
  diploma_type text NOT NULL,
  field text NOT NULL,
  institution text NOT NULL,
  year integer NOT NULL,
  mention text
);
CREATE INDEX diplomas_holder ON diplomas (holder_nin);

CREATE TABLE pension_records (
  social_security_number text PRIMARY KEY,
  holder_nin text NOT NULL,
  scheme text NOT NULL,
  employer text NOT NULL,
  affiliated_on date NOT NULL,
  contribution_months integer NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'retired')),
  monthly_pension bigint
);
COMMENT ON COLUMN pension_records.monthly_pension IS 'Paid pension for retired members, in the currency''s unit; null while active';
CREATE INDEX pension_records_holder ON pension_records (holder_nin);

CREATE TABLE seed_runs (
  id uuid PRIMARY KEY,
  country text NOT NULL,
  seed text NOT NULL,
  people integer NOT NULL,
  demo_citizens text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE seed_runs IS 'Synthetic demo populations loaded into this database; empty in production';
