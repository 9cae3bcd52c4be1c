-- Asynchronous exchange on the Digital Bridge: event types published by a subsystem, subscriptions
-- (push to a webhook or pull), events and one delivery row per event and subscription.

CREATE TABLE bridge_event_types (
  id uuid PRIMARY KEY,
  subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  code text NOT NULL,
  title text NOT NULL,
  schema jsonb NOT NULL,
  personal_data boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  UNIQUE (subsystem_id, code)
);
COMMENT ON COLUMN bridge_event_types.schema IS 'JSON Schema every published payload must satisfy';

CREATE TABLE bridge_subscriptions (
  id uuid PRIMARY KEY,
  event_type_id uuid NOT NULL REFERENCES bridge_event_types (id),
  subscriber_subsystem_id uuid NOT NULL REFERENCES bridge_subsystems (id),
  mode text NOT NULL CHECK (mode IN ('push', 'pull')),
  webhook_url text,
  status text NOT NULL CHECK (status IN ('requested', 'active', 'refused', 'cancelled')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  UNIQUE (event_type_id, subscriber_subsystem_id),
  CHECK ((mode = 'push') = (webhook_url IS NOT NULL))
);
COMMENT ON COLUMN bridge_subscriptions.status IS 'requested by the subscriber; active once the publisher (or an operator) approves: deny by default';

CREATE TABLE bridge_events (
  id uuid PRIMARY KEY,
  event_type_id uuid NOT NULL REFERENCES bridge_event_types (id),
  publisher text NOT NULL,
  subject text,
  payload jsonb NOT NULL,
  payload_hash text NOT NULL,
  published_at timestamptz NOT NULL
);

CREATE TABLE bridge_deliveries (
  event_id uuid NOT NULL REFERENCES bridge_events (id),
  subscription_id uuid NOT NULL REFERENCES bridge_subscriptions (id),
  status text NOT NULL CHECK (status IN ('pending', 'leased', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  leased_until timestamptz,
  delivered_at timestamptz,
  last_error text,
  PRIMARY KEY (event_id, subscription_id)
);
CREATE INDEX bridge_deliveries_due ON bridge_deliveries (next_attempt_at) WHERE status IN ('pending', 'leased');
CREATE INDEX bridge_deliveries_subscription ON bridge_deliveries (subscription_id, status);
COMMENT ON COLUMN bridge_deliveries.leased_until IS 'A node (push) or a puller holds the delivery until then; an expired lease is due again';
