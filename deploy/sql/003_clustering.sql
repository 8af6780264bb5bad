-- Once PostgreSQL schema, migration 003: membership for Microsoft.Orleans.Clustering.AdoNet.
--
-- The cluster's only concurrency token is one integer version per cluster (DeploymentId =
-- ClusterOptions.ClusterId). Every insert or update of a member row must raise it by exactly one
-- in the same statement, and only if it still equals the version the silo read; a heartbeat must
-- not touch it. Every time Orleans binds is a UTC timestamptz parameter, so every such column is
-- timestamptz: a timestamp column would be shifted by the session TimeZone.

CREATE TABLE IF NOT EXISTS once_membership_version (
    deployment_id text        PRIMARY KEY,
    -- The provider refuses ETags that are not canonical non-negative int32 values.
    version       integer     NOT NULL DEFAULT 0 CHECK (version >= 0),
    modified_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS once_membership (
    deployment_id text        NOT NULL
        REFERENCES once_membership_version (deployment_id) ON DELETE CASCADE,
    address       text        NOT NULL,
    port          integer     NOT NULL,
    generation    integer     NOT NULL,
    silo_name     text        NOT NULL,
    host_name     text        NOT NULL,
    -- SiloStatus: 3 = Active, 6 = Dead.
    status        integer     NOT NULL,
    -- 0 = not a gateway.
    proxy_port    integer     NOT NULL,
    -- Votes "ip:port@gen,yyyy-MM-dd HH:mm:ss.fff GMT|...", stored verbatim (Orleans parses it back
    -- exactly) and unbounded: it grows with every vote.
    suspect_times text,
    start_time    timestamptz NOT NULL,
    iamalive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'InsertMembershipVersionKey',
    -- Every silo runs this at start, possibly at the same moment: idempotent, and the answer is one
    -- boolean (true = created now).
    $q$WITH created AS (
    INSERT INTO once_membership_version (deployment_id, version)
    VALUES (@DeploymentId, 0)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS created$q$
),
(
    'InsertMembershipKey',
    -- The version row is updated first: that takes its row lock, so concurrent membership writes of
    -- one cluster serialise on it, and a writer that read an older version changes nothing. The
    -- member is inserted only from the bumped row. A member row with the same key that appears
    -- anyway (impossible while every insert bumps the version) raises a unique violation, which
    -- rolls the whole statement back: never a bump without the row.
    $q$WITH bumped AS (
    UPDATE once_membership_version AS v
       SET version = v.version + 1,
           modified_at = now()
     WHERE v.deployment_id = @DeploymentId
       AND v.version = @Version
       AND NOT EXISTS (
           SELECT 1
             FROM once_membership AS m
            WHERE m.deployment_id = @DeploymentId
              AND m.address = @Address
              AND m.port = @Port
              AND m.generation = @Generation)
    RETURNING v.deployment_id
), inserted AS (
    INSERT INTO once_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
         suspect_times, start_time, iamalive_time)
    SELECT b.deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
           NULL, @StartTime, @IAmAliveTime
      FROM bumped AS b
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted) AS inserted$q$
),
(
    'UpdateMembershipKey',
    -- Same shape as the insert. SiloName, HostName, ProxyPort and StartTime are not bound: they never
    -- change after the insert. SuspectTimes replaces the whole vote list (NULL = none).
    $q$WITH bumped AS (
    UPDATE once_membership_version AS v
       SET version = v.version + 1,
           modified_at = now()
     WHERE v.deployment_id = @DeploymentId
       AND v.version = @Version
       AND EXISTS (
           SELECT 1
             FROM once_membership AS m
            WHERE m.deployment_id = @DeploymentId
              AND m.address = @Address
              AND m.port = @Port
              AND m.generation = @Generation)
    RETURNING v.deployment_id
), updated AS (
    UPDATE once_membership AS m
       SET status = @Status,
           suspect_times = @SuspectTimes,
           iamalive_time = @IAmAliveTime
      FROM bumped AS b
     WHERE m.deployment_id = b.deployment_id
       AND m.address = @Address
       AND m.port = @Port
       AND m.generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM updated) AS updated$q$
),
(
    'UpdateIAmAlivetimeKey',
    -- The heartbeat: the version stays as it is, so heartbeats never make another silo's pending
    -- membership write stale.
    $q$UPDATE once_membership AS m
   SET iamalive_time = @IAmAliveTime
 WHERE m.deployment_id = @DeploymentId
   AND m.address = @Address
   AND m.port = @Port
   AND m.generation = @Generation$q$
),
(
    'MembershipReadRowKey',
    -- The provider takes the table version from the first row and reads members only when that
    -- row's StartTime is not NULL. The outer join gives exactly that: one row with NULL member
    -- columns when the silo has no row, else the member row carrying the version. No version row
    -- gives zero rows, which the provider reports as an error (the table was never initialised).
    $q$SELECT v.version       AS Version,
       m.address       AS Address,
       m.port          AS Port,
       m.generation    AS Generation,
       m.silo_name     AS SiloName,
       m.host_name     AS HostName,
       m.status        AS Status,
       m.proxy_port    AS ProxyPort,
       m.suspect_times AS SuspectTimes,
       m.start_time    AS StartTime,
       m.iamalive_time AS IAmAliveTime
  FROM once_membership_version AS v
  LEFT JOIN once_membership AS m
         ON m.deployment_id = v.deployment_id
        AND m.address = @Address
        AND m.port = @Port
        AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId$q$
),
(
    'MembershipReadAllKey',
    -- One statement, so the version and the members come from one snapshot. Same row shape as
    -- MembershipReadRowKey: one version-only row when there are no members, else one row per member.
    $q$SELECT v.version       AS Version,
       m.address       AS Address,
       m.port          AS Port,
       m.generation    AS Generation,
       m.silo_name     AS SiloName,
       m.host_name     AS HostName,
       m.status        AS Status,
       m.proxy_port    AS ProxyPort,
       m.suspect_times AS SuspectTimes,
       m.start_time    AS StartTime,
       m.iamalive_time AS IAmAliveTime
  FROM once_membership_version AS v
  LEFT JOIN once_membership AS m
         ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId$q$
),
(
    'GatewaysQueryKey',
    -- The client does not filter what it gets: only active silos (@Status is always 3) that really
    -- listen for clients.
    $q$SELECT m.address    AS Address,
       m.proxy_port AS ProxyPort,
       m.generation AS Generation
  FROM once_membership AS m
 WHERE m.deployment_id = @DeploymentId
   AND m.status = @Status
   AND m.proxy_port > 0$q$
),
(
    'DeleteMembershipTableEntriesKey',
    -- Tooling and tests only: forgets the cluster entirely, version row included.
    $q$WITH members AS (
    DELETE FROM once_membership AS m
     WHERE m.deployment_id = @DeploymentId
)
DELETE FROM once_membership_version AS v
 WHERE v.deployment_id = @DeploymentId$q$
),
(
    'CleanupDefunctSiloEntryKey',
    -- Preferred by Orleans 10.4.2 when present: the runtime picks dead entries itself and deletes
    -- each one only if it still holds the values it read (a compare-and-delete), so a row that
    -- changed in between survives. status = 6 (Dead) is an extra guard: never delete a live silo.
    $q$DELETE FROM once_membership AS m
 WHERE m.deployment_id = @DeploymentId
   AND m.address = @Address
   AND m.port = @Port
   AND m.generation = @Generation
   AND m.status = 6
   AND m.start_time = @StartTime
   AND m.iamalive_time = @IAmAliveTime
   AND (m.suspect_times = @SuspectTimes OR (m.suspect_times IS NULL AND @SuspectTimes IS NULL))$q$
),
(
    'CleanupDefunctSiloEntriesKey',
    -- Still required by the provider, used only if CleanupDefunctSiloEntryKey is missing. It
    -- follows the runtime's rule as closely as one statement can: only Dead silos whose start,
    -- last heartbeat and newest suspicion vote all precede the cutoff. A vote that does not have the
    -- expected "address,yyyy-MM-dd HH:mm:ss.fff GMT" form counts as recent, so the row is kept.
    $q$DELETE FROM once_membership AS m
 WHERE m.deployment_id = @DeploymentId
   AND m.status = 6
   AND m.start_time < @IAmAliveTime
   AND m.iamalive_time < @IAmAliveTime
   AND NOT EXISTS (
       SELECT 1
         FROM regexp_split_to_table(m.suspect_times, '\|') AS vote(entry)
        WHERE vote.entry <> ''
          AND (vote.entry !~ '^[^,]+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} GMT$'
               OR (substring(vote.entry FROM ',(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) GMT$') || '+00')::timestamptz
                  >= @IAmAliveTime))$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;

INSERT INTO once_schema_version (migration) VALUES ('003_clustering') ON CONFLICT (migration) DO NOTHING;
