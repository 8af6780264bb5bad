-- Once PostgreSQL schema, migration 007: dead letters of the native store (Once:Storage=Postgres).
--
-- One row per dead letter, keyed by the entity first like every table of the native store. Setting a
-- message aside again replaces its row (the id is derived from the entity and the message id). The
-- operator's listing goes oldest first across all entities, and requeue finds a row by its id alone:
-- both have an index of their own. Dead letters are rare, so the extra index costs next to nothing.

CREATE TABLE IF NOT EXISTS once_dead_letter (
    entity_key       text        NOT NULL,
    service_id       text        NOT NULL,
    id               text        NOT NULL,
    dead_lettered_at timestamptz NOT NULL,
    source           text        NOT NULL,
    -- The DeadLetter as JSON (envelope, reason, attempts, HTTP effect).
    item             text        NOT NULL,
    PRIMARY KEY (entity_key, service_id, id)
);

CREATE INDEX IF NOT EXISTS once_dead_letter_order ON once_dead_letter (service_id, dead_lettered_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS once_dead_letter_id ON once_dead_letter (service_id, id);

INSERT INTO once_schema_version (migration) VALUES ('007_dead_letters') ON CONFLICT (migration) DO NOTHING;
