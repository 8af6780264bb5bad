-- Once PostgreSQL schema, migration 006: the native entity store (Once:Storage=Postgres).
--
-- An entity is one small row (its write counter, version, data and ledger floor); every message id it
-- processed is one row of its own, with the outcome that is replayed to later deliveries; messages it
-- emitted wait in outbox rows until delivered. One change of an entity (state + ledger row + outbox
-- rows) is written by one statement, so it is committed whole or not at all, and a write costs the
-- same whether the entity remembers ten ids or a hundred thousand.
--
-- Every table is keyed by the entity first, and every statement names the entities it touches, so
-- the tables can be distributed by entity_key (for example with Citus) without changing the engine.
-- There are no foreign keys for the same reason.

CREATE TABLE IF NOT EXISTS once_entity (
    entity_key   text        NOT NULL,
    service_id   text        NOT NULL,
    -- The write counter: every committed change adds one, and a write names the value it read.
    -- A write based on an older value (a stale second activation) changes nothing: that is the fence.
    etag         bigint      NOT NULL CHECK (etag > 0),
    -- How many messages changed the entity (the version users see); data is canonical JSON.
    version      bigint      NOT NULL CHECK (version >= 0),
    data         text,
    -- The latest time (first seen or produced) of an id the retention job deleted. Written only by
    -- that job (and by the first write of an entity moved from grain storage), never by a message.
    ledger_floor timestamptz,
    PRIMARY KEY (entity_key, service_id)
) WITH (fillfactor = 80);

CREATE TABLE IF NOT EXISTS once_ledger (
    entity_key       text        NOT NULL,
    service_id       text        NOT NULL,
    message_id       text        NOT NULL,
    -- The content fingerprint (22 characters): the same id with another one is refused, not replayed.
    fingerprint      text        NOT NULL,
    -- OutcomeStatus: 0 applied, 1 unchanged, 2 rejected, 3 version conflict.
    status           smallint    NOT NULL CHECK (status BETWEEN 0 AND 3),
    version          bigint      NOT NULL,
    result           text,
    reason           text,
    expected_version bigint,
    first_seen       timestamptz NOT NULL,
    produced_at      timestamptz,
    -- The database itself refuses a second record of one id for one entity.
    PRIMARY KEY (entity_key, service_id, message_id)
);

-- The retention job deletes rows by age. Rows arrive roughly in first_seen order, so a BRIN index
-- finds old ones at almost no cost to inserts (a B-tree would add a second index entry per message).
CREATE INDEX IF NOT EXISTS once_ledger_first_seen ON once_ledger USING brin (first_seen);

CREATE TABLE IF NOT EXISTS once_outbox (
    entity_key text   NOT NULL,
    service_id text   NOT NULL,
    message_id text   NOT NULL,
    -- Delivery order: the etag of the change that emitted it, then its position within that change.
    position   bigint NOT NULL,
    -- The OutboxEntry as JSON (envelope, compensation type, HTTP effect).
    entry      text   NOT NULL,
    PRIMARY KEY (entity_key, service_id, message_id)
);

INSERT INTO once_schema_version (migration) VALUES ('006_entity_store') ON CONFLICT (migration) DO NOTHING;
