-- Once PostgreSQL schema, migration 008: when each outbox row of the native store was written, so
-- the age of the oldest undelivered message can be reported (metric once_outbox_oldest_age_seconds).
-- Rows written before this migration count from the time it ran.

ALTER TABLE once_outbox ADD COLUMN IF NOT EXISTS written_at timestamptz NOT NULL DEFAULT now();

INSERT INTO once_schema_version (migration) VALUES ('008_outbox_written_at') ON CONFLICT (migration) DO NOTHING;
