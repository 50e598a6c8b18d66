-- kbus transactional outbox, version 1. `{{schema}}` and `{{table}}` are replaced by the
-- quoted identifiers passed to migrate() (defaults: public, kbus_outbox).
CREATE TABLE IF NOT EXISTS {{schema}}.{{table}} (
  -- Insertion order; within one aggregate it is also commit order (see the sequence table).
  position        bigserial PRIMARY KEY,
  -- The envelope's event id: stable, so a re-published event is recognisable to consumers.
  id              uuid NOT NULL UNIQUE,
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  -- 1, 2, 3… per aggregate, in commit order.
  aggregate_seq   bigint NOT NULL,
  topic           text NOT NULL,
  event_type      text NOT NULL,
  event_version   integer NOT NULL,
  -- The record as it will be sent: UTF-8 key (the aggregate id) and the encoded envelope
  -- (Confluent wire format: magic byte, schema id, Avro).
  record_key      text NOT NULL,
  record_value    bytea NOT NULL,
  headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz,
  UNIQUE (aggregate_type, aggregate_id, aggregate_seq)
);

CREATE INDEX IF NOT EXISTS {{table_raw}}_pending ON {{schema}}.{{table}} (position) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS {{table_raw}}_published ON {{schema}}.{{table}} (published_at) WHERE published_at IS NOT NULL;

-- The last sequence number per aggregate. Taking the next number locks the aggregate's row
-- until the transaction ends, so two transactions writing one aggregate commit in
-- sequence order: the relay's order by sequence is the commit order.
CREATE TABLE IF NOT EXISTS {{schema}}.{{table_raw}}_sequence (
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  last_seq        bigint NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id)
);
