-- Once PostgreSQL schema, migration 004: reminders for Microsoft.Orleans.Reminders.AdoNet.
--
-- A reminder is identified by (ServiceId, GrainId, ReminderName); its integer version is the ETag
-- and changes on every upsert. GrainHash is the grain's uniform hash cast to a SIGNED int; silos
-- load the reminders of their ring ranges with signed comparisons on it, hence the index.

CREATE TABLE IF NOT EXISTS once_reminder (
    service_id    text        NOT NULL,
    -- GrainId.ToString(), e.g. "type/key".
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    grain_hash    integer     NOT NULL,
    -- Bound as a UTC timestamptz; a timestamp column would be shifted by the session TimeZone.
    start_time    timestamptz NOT NULL,
    -- Milliseconds. Bound as int up to ~24.8 days and as bigint beyond, so the column is bigint.
    period        bigint      NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS once_reminder_ring ON once_reminder (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'UpsertReminderRowKey',
    -- One statement, so concurrent registrations of one reminder cannot both insert; every call
    -- returns a version the previous ETag does not have.
    $q$INSERT INTO once_reminder AS r
    (service_id, grain_id, reminder_name, grain_hash, start_time, period, version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @GrainHash, @StartTime, @Period, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
    SET grain_hash = EXCLUDED.grain_hash,
        start_time = EXCLUDED.start_time,
        period = EXCLUDED.period,
        version = r.version + 1
RETURNING r.version AS Version$q$
),
(
    'ReadReminderRowsKey',
    $q$SELECT r.grain_id      AS GrainId,
       r.reminder_name AS ReminderName,
       r.start_time    AS StartTime,
       r.period        AS Period,
       r.version       AS Version
  FROM once_reminder AS r
 WHERE r.service_id = @ServiceId
   AND r.grain_id = @GrainId$q$
),
(
    'ReadReminderRowKey',
    -- Zero rows = not found.
    $q$SELECT r.grain_id      AS GrainId,
       r.reminder_name AS ReminderName,
       r.start_time    AS StartTime,
       r.period        AS Period,
       r.version       AS Version
  FROM once_reminder AS r
 WHERE r.service_id = @ServiceId
   AND r.grain_id = @GrainId
   AND r.reminder_name = @ReminderName$q$
),
(
    'ReadRangeRows1Key',
    -- Chosen by the provider when (int)begin < (int)end: the range (begin, end] does not wrap.
    $q$SELECT r.grain_id      AS GrainId,
       r.reminder_name AS ReminderName,
       r.start_time    AS StartTime,
       r.period        AS Period,
       r.version       AS Version
  FROM once_reminder AS r
 WHERE r.service_id = @ServiceId
   AND r.grain_hash > @BeginHash
   AND r.grain_hash <= @EndHash$q$
),
(
    'ReadRangeRows2Key',
    -- Chosen otherwise: the range wraps around the ring (begin = end is the whole ring).
    $q$SELECT r.grain_id      AS GrainId,
       r.reminder_name AS ReminderName,
       r.start_time    AS StartTime,
       r.period        AS Period,
       r.version       AS Version
  FROM once_reminder AS r
 WHERE r.service_id = @ServiceId
   AND (r.grain_hash > @BeginHash OR r.grain_hash <= @EndHash)$q$
),
(
    'DeleteReminderRowKey',
    -- One boolean: true only if the reminder existed with the version the caller holds.
    $q$WITH deleted AS (
    DELETE FROM once_reminder AS r
     WHERE r.service_id = @ServiceId
       AND r.grain_id = @GrainId
       AND r.reminder_name = @ReminderName
       AND r.version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS deleted$q$
),
(
    'DeleteReminderRowsKey',
    -- Used only by the provider's TestOnlyClearTable, but required at start-up.
    $q$DELETE FROM once_reminder AS r
 WHERE r.service_id = @ServiceId$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;

INSERT INTO once_schema_version (migration) VALUES ('004_reminders') ON CONFLICT (migration) DO NOTHING;
