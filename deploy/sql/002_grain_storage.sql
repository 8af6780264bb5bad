-- Once PostgreSQL schema, migration 002: grain storage for Microsoft.Orleans.Persistence.AdoNet.
--
-- One row per grain state. The provider identifies a state by (ServiceId, state name, GrainIdN0,
-- GrainIdN1, GrainIdExtensionString); the grain TYPE is not part of it, which is why every Once grain
-- type uses its own state name. The integer version is the ETag: every successful write returns a
-- new one, and a write that does not find the version it expects returns NULL, which the provider
-- turns into InconsistentStateException. That is the fence against a stale duplicate activation.

CREATE TABLE IF NOT EXISTS once_grain_state (
    service_id   text        NOT NULL,
    -- GrainTypeString: despite the parameter name it is the state name.
    state_name   text        NOT NULL,
    grain_id_n0  bigint      NOT NULL,
    grain_id_n1  bigint      NOT NULL,
    -- The key extension, or the whole key for string-keyed grains (all Once entities); NULL for
    -- plain Guid and integer keys.
    grain_id_ext text,
    -- NULL after ClearStorageKey: the row and its version stay, so the version keeps fencing.
    payload      bytea,
    version      integer     NOT NULL CHECK (version > 0),
    modified_at  timestamptz NOT NULL DEFAULT now(),
    -- The unique key is what makes two concurrent first writes of one state fail for the loser
    -- instead of leaving two rows. NULLS NOT DISTINCT (PostgreSQL 15) makes a NULL extension take
    -- part in uniqueness like any other value. The index behind it also serves every lookup, so the
    -- provider's GrainIdHash/GrainTypeHash parameters are neither stored nor indexed: a second index
    -- would only add write cost.
    CONSTRAINT once_grain_state_identity
        UNIQUE NULLS NOT DISTINCT (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext)
);

-- A note on every query below: the extension is matched with
--   (grain_id_ext = @GrainIdExtensionString OR (grain_id_ext IS NULL AND @GrainIdExtensionString IS NULL))
-- and deliberately NOT with IS NOT DISTINCT FROM. PostgreSQL cannot use an index for IS NOT DISTINCT
-- FROM, and all string keys share N0 = N1 = 0, so that form scans every string-keyed state of the
-- service; the OR form becomes an index condition on the full key (tested).

INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'ReadFromStorageKey',
    -- Zero rows: no state. A cleared row returns a NULL payload with its version, which the provider
    -- treats as "no record" while still carrying the version as ETag.
    $q$SELECT s.payload AS PayloadBinary,
       s.version AS Version
  FROM once_grain_state AS s
 WHERE s.service_id = @ServiceId
   AND s.state_name = @GrainTypeString
   AND s.grain_id_n0 = @GrainIdN0
   AND s.grain_id_n1 = @GrainIdN1
   AND (s.grain_id_ext = @GrainIdExtensionString OR (s.grain_id_ext IS NULL AND @GrainIdExtensionString IS NULL))$q$
),
(
    'WriteToStorageKey',
    -- Exactly one row, always. With an expected version: update only if it still matches. Without
    -- one: insert version 1, and on a key conflict (the row exists, or a concurrent first write won)
    -- insert nothing. Only one branch can run, so the result is the new version or NULL (conflict).
    $q$WITH updated AS (
    UPDATE once_grain_state AS s
       SET payload = @PayloadBinary,
           version = s.version + 1,
           modified_at = now()
     WHERE @GrainStateVersion IS NOT NULL
       AND s.service_id = @ServiceId
       AND s.state_name = @GrainTypeString
       AND s.grain_id_n0 = @GrainIdN0
       AND s.grain_id_n1 = @GrainIdN1
       AND (s.grain_id_ext = @GrainIdExtensionString OR (s.grain_id_ext IS NULL AND @GrainIdExtensionString IS NULL))
       AND s.version = @GrainStateVersion
    RETURNING s.version
), inserted AS (
    INSERT INTO once_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT once_grain_state_identity DO NOTHING
    RETURNING version
)
SELECT (SELECT u.version FROM updated AS u
        UNION ALL
        SELECT i.version FROM inserted AS i) AS NewGrainStateVersion$q$
),
(
    'ClearStorageKey',
    -- Keeps the row with a NULL payload and a new version, so a stale activation still conflicts
    -- after a clear. No row back = conflict.
    $q$UPDATE once_grain_state AS s
   SET payload = NULL,
       version = s.version + 1,
       modified_at = now()
 WHERE s.service_id = @ServiceId
   AND s.state_name = @GrainTypeString
   AND s.grain_id_n0 = @GrainIdN0
   AND s.grain_id_n1 = @GrainIdN1
   AND (s.grain_id_ext = @GrainIdExtensionString OR (s.grain_id_ext IS NULL AND @GrainIdExtensionString IS NULL))
   AND s.version = @GrainStateVersion
RETURNING s.version AS NewGrainStateVersion$q$
),
(
    'DeleteStorageKey',
    -- Used when DeleteStateOnClear = true. The provider needs a value different from the old
    -- version to see success (it resets the ETag to null afterwards), hence version + 1.
    $q$DELETE FROM once_grain_state AS s
 WHERE s.service_id = @ServiceId
   AND s.state_name = @GrainTypeString
   AND s.grain_id_n0 = @GrainIdN0
   AND s.grain_id_n1 = @GrainIdN1
   AND (s.grain_id_ext = @GrainIdExtensionString OR (s.grain_id_ext IS NULL AND @GrainIdExtensionString IS NULL))
   AND s.version = @GrainStateVersion
RETURNING s.version + 1 AS NewGrainStateVersion$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;

INSERT INTO once_schema_version (migration) VALUES ('002_grain_storage') ON CONFLICT (migration) DO NOTHING;
