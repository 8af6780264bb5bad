-- Once PostgreSQL schema, migration 005: queues for Microsoft.Orleans.Streaming.AdoNet (alpha).
--
-- A queue is (ServiceId, ProviderId, QueueId) and holds event batches as opaque payloads. It is a
-- visibility-timeout queue: a dequeue leases a message (hides it for VisibilityTimeout seconds and
-- counts the attempt), the pulling agent later confirms it (deletes it) or releases it (shows it
-- again), and a lease that simply runs out shows it again too. The attempt counter, as returned by
-- the dequeue, is the receipt: confirm and release act only when the receipt still matches, so a
-- receiver whose lease ran out and was taken over cannot touch the newer lease.
--
-- Messages that ran out of attempts or expired go to a dead-letter table, kept for RemovalTimeout
-- seconds for operators; Orleans never reads it. Orleans 10.4.2-alpha.1 never runs the two Evict*
-- queries, so the dequeue query does the eviction, at most once per EvictionInterval per queue
-- across the whole cluster (a schedule row per queue). A queue nobody polls any more is therefore
-- never evicted: its messages and dead letters stay until removed by hand.
--
-- Orleans binds no time here: the database makes up every timestamp with now(). The columns are
-- timestamptz, so the provider reads UTC instants whatever the session TimeZone is; it compares
-- ExpiresOn with DateTime.UtcNow.

CREATE TABLE IF NOT EXISTS once_stream_message (
    service_id  text        NOT NULL,
    provider_id text        NOT NULL,
    queue_id    text        NOT NULL,
    -- One sequence for all queues: unique within a queue and increasing in the order the enqueue
    -- statements run (the provider sorts by it). Commit order can differ, so a message may become
    -- visible after one with a higher id; the streams are at-least-once and unordered anyway.
    message_id  bigint      GENERATED ALWAYS AS IDENTITY,
    -- Delivery attempts so far, and the receipt of the current lease. Read as a strict int32.
    dequeued    integer     NOT NULL DEFAULT 0 CHECK (dequeued >= 0),
    -- Leased while in the future.
    visible_on  timestamptz NOT NULL DEFAULT now(),
    expires_on  timestamptz NOT NULL,
    created_on  timestamptz NOT NULL DEFAULT now(),
    modified_on timestamptz NOT NULL DEFAULT now(),
    payload     bytea       NOT NULL,
    -- Also the dequeue index: a dequeue walks one queue in message_id order and stops after MaxCount
    -- claimable rows. What it steps over are the leased rows (at most what the agents hold) and rows
    -- waiting for eviction (bounded by it).
    PRIMARY KEY (service_id, provider_id, queue_id, message_id)
);

-- Eviction, the expiry half: expires_on never changes after the enqueue.
CREATE INDEX IF NOT EXISTS once_stream_message_expiry
    ON once_stream_message (service_id, provider_id, queue_id, expires_on);

-- Eviction, the attempts half: without it every eviction turn would read the whole backlog of the
-- queue to find the few rows out of attempts. Rows never dequeued (the backlog) are left out.
CREATE INDEX IF NOT EXISTS once_stream_message_attempts
    ON once_stream_message (service_id, provider_id, queue_id, dequeued)
    WHERE dequeued > 0;

CREATE TABLE IF NOT EXISTS once_stream_dead_letter (
    service_id       text        NOT NULL,
    provider_id      text        NOT NULL,
    queue_id         text        NOT NULL,
    message_id       bigint      NOT NULL,
    dequeued         integer     NOT NULL,
    visible_on       timestamptz NOT NULL,
    expires_on       timestamptz NOT NULL,
    created_on       timestamptz NOT NULL,
    modified_on      timestamptz NOT NULL,
    payload          bytea       NOT NULL,
    -- Why it is here, for the operator who looks: 'failed' (the last attempt failed), 'attempts'
    -- (the last lease ran out unconfirmed), 'expired' (not confirmed within ExpiryTimeout).
    reason           text        NOT NULL CHECK (reason IN ('failed', 'attempts', 'expired')),
    dead_lettered_on timestamptz NOT NULL DEFAULT now(),
    remove_on        timestamptz NOT NULL,
    -- No ON CONFLICT anywhere on this key: a message is deleted from the queue in the same statement
    -- that inserts it here, so a conflict would be a bug, and failing the statement keeps the message.
    PRIMARY KEY (service_id, provider_id, queue_id, message_id)
);

CREATE INDEX IF NOT EXISTS once_stream_dead_letter_removal
    ON once_stream_dead_letter (service_id, provider_id, queue_id, remove_on);

-- The cluster-wide eviction schedule: one row per queue, created by the first dequeue. A poller
-- evicts only if it moves next_eviction_on forward itself, so however many silos poll, a queue is
-- evicted at most once per EvictionInterval.
CREATE TABLE IF NOT EXISTS once_stream_eviction (
    service_id       text        NOT NULL,
    provider_id      text        NOT NULL,
    queue_id         text        NOT NULL,
    next_eviction_on timestamptz NOT NULL,
    PRIMARY KEY (service_id, provider_id, queue_id)
);

-- Notes on every query below:
-- * Each is one statement, so it runs as one transaction without Orleans opening one. Within one
--   statement the sub-statements share a snapshot and must never modify the same row twice
--   (PostgreSQL does not define which change wins), so wherever two of them touch the queue table
--   their conditions exclude each other on the row's attempt count, visibility or expiry.
-- * Rows are picked by a MATERIALIZED "SELECT ... LIMIT n FOR UPDATE SKIP LOCKED" and changed by a
--   join with it, never by "WHERE id IN (that select)": the planner may run such a subquery again
--   for every outer row, and each run skips the rows this statement already changed and locks the
--   next ones, so far more than n rows were deleted (tested). A materialized CTE runs once.

INSERT INTO orleansquery (querykey, querytext) VALUES
(
    'QueueStreamMessageKey',
    -- Exactly one row: the new message's identity.
    $q$INSERT INTO once_stream_message AS m
    (service_id, provider_id, queue_id, payload, expires_on)
VALUES
    (@ServiceId, @ProviderId, @QueueId, @Payload, now() + make_interval(secs => @ExpiryTimeout))
RETURNING m.service_id AS ServiceId,
          m.provider_id AS ProviderId,
          m.queue_id AS QueueId,
          m.message_id AS MessageId$q$
),
(
    'GetStreamMessagesKey',
    -- Leases up to MaxCount visible, unexpired messages with attempts left, oldest first, and returns
    -- them with the raised attempt count (the receipt). SKIP LOCKED: a concurrent poller of the same
    -- queue passes over rows another one is claiming instead of waiting for them and then taking
    -- them as well.
    --
    -- When the queue's eviction turn is due (or on the queue's first dequeue) the same statement
    -- also evicts: it moves up to EvictionBatchSize messages whose lease is over and that are out of
    -- attempts or expired to the dead letters, and deletes up to EvictionBatchSize dead letters past
    -- their removal time. A leased message is never evicted: its receiver may still confirm it.
    -- Eviction takes only rows nobody has locked, so it never makes a dequeue wait (only the very
    -- first polls of a new queue may wait for each other's schedule row insert).
    $q$WITH first_turn AS (
    INSERT INTO once_stream_eviction (service_id, provider_id, queue_id, next_eviction_on)
    SELECT @ServiceId, @ProviderId, @QueueId, now() + make_interval(secs => @EvictionInterval)
     WHERE NOT EXISTS (
           SELECT 1
             FROM once_stream_eviction AS e
            WHERE e.service_id = @ServiceId
              AND e.provider_id = @ProviderId
              AND e.queue_id = @QueueId)
    ON CONFLICT (service_id, provider_id, queue_id) DO NOTHING
    RETURNING 1
), due AS MATERIALIZED (
    SELECT d.service_id, d.provider_id, d.queue_id
      FROM once_stream_eviction AS d
     WHERE d.service_id = @ServiceId
       AND d.provider_id = @ProviderId
       AND d.queue_id = @QueueId
       AND d.next_eviction_on <= now()
       FOR UPDATE SKIP LOCKED
), next_turn AS (
    UPDATE once_stream_eviction AS e
       SET next_eviction_on = now() + make_interval(secs => @EvictionInterval)
      FROM due AS d
     WHERE e.service_id = d.service_id
       AND e.provider_id = d.provider_id
       AND e.queue_id = d.queue_id
    RETURNING 1
), turn AS (
    SELECT 1 FROM first_turn
    UNION ALL
    SELECT 1 FROM next_turn
), doomed AS MATERIALIZED (
    SELECT x.message_id
      FROM once_stream_message AS x
     WHERE EXISTS (SELECT 1 FROM turn)
       AND x.service_id = @ServiceId
       AND x.provider_id = @ProviderId
       AND x.queue_id = @QueueId
       AND x.visible_on <= now()
       AND ((x.dequeued > 0 AND x.dequeued >= @MaxAttempts) OR x.expires_on <= now())
     ORDER BY x.message_id
     LIMIT @EvictionBatchSize
       FOR UPDATE SKIP LOCKED
), evicted AS (
    DELETE FROM once_stream_message AS m
     USING doomed AS x
     WHERE m.service_id = @ServiceId
       AND m.provider_id = @ProviderId
       AND m.queue_id = @QueueId
       AND m.message_id = x.message_id
    RETURNING m.*
), buried AS (
    INSERT INTO once_stream_dead_letter
        (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on,
         modified_on, payload, reason, remove_on)
    SELECT v.service_id, v.provider_id, v.queue_id, v.message_id, v.dequeued, v.visible_on, v.expires_on,
           v.created_on, v.modified_on, v.payload,
           CASE WHEN v.expires_on <= now() THEN 'expired' ELSE 'attempts' END,
           now() + make_interval(secs => @RemovalTimeout)
      FROM evicted AS v
), spent AS MATERIALIZED (
    SELECT y.message_id
      FROM once_stream_dead_letter AS y
     WHERE EXISTS (SELECT 1 FROM turn)
       AND y.service_id = @ServiceId
       AND y.provider_id = @ProviderId
       AND y.queue_id = @QueueId
       AND y.remove_on <= now()
     ORDER BY y.remove_on
     LIMIT @EvictionBatchSize
       FOR UPDATE SKIP LOCKED
), removed AS (
    DELETE FROM once_stream_dead_letter AS l
     USING spent AS y
     WHERE l.service_id = @ServiceId
       AND l.provider_id = @ProviderId
       AND l.queue_id = @QueueId
       AND l.message_id = y.message_id
), claimed AS MATERIALIZED (
    SELECT c.message_id
      FROM once_stream_message AS c
     WHERE c.service_id = @ServiceId
       AND c.provider_id = @ProviderId
       AND c.queue_id = @QueueId
       AND c.visible_on <= now()
       AND c.expires_on > now()
       AND c.dequeued < @MaxAttempts
     ORDER BY c.message_id
     LIMIT @MaxCount
       FOR UPDATE SKIP LOCKED
), leased AS (
    UPDATE once_stream_message AS m
       SET dequeued = m.dequeued + 1,
           visible_on = now() + make_interval(secs => @VisibilityTimeout),
           modified_on = now()
      FROM claimed AS c
     WHERE m.service_id = @ServiceId
       AND m.provider_id = @ProviderId
       AND m.queue_id = @QueueId
       AND m.message_id = c.message_id
    RETURNING m.*
)
SELECT l.service_id AS ServiceId,
       l.provider_id AS ProviderId,
       l.queue_id AS QueueId,
       l.message_id AS MessageId,
       l.dequeued AS Dequeued,
       l.visible_on AS VisibleOn,
       l.expires_on AS ExpiresOn,
       l.created_on AS CreatedOn,
       l.modified_on AS ModifiedOn,
       l.payload AS Payload
  FROM leased AS l
 ORDER BY l.message_id$q$
),
(
    'ConfirmStreamMessagesKey',
    -- Items = "id:receipt|id:receipt|...". A positive receipt confirms: the message is done and
    -- deleted. A negative one releases: the message is shown again at once and keeps its attempt
    -- count (so a message released on its last attempt is dead-lettered, not redelivered). Either
    -- acts only if the stored count still equals the receipt. One row back per message confirmed or
    -- released; a message left out stays pending at the receiver, which retries later.
    --
    -- The provider never mixes signs in one call. Should a call mix them for the same message, only
    -- the confirm runs, so no row is both deleted and updated by this one statement.
    $q$WITH items AS (
    SELECT DISTINCT
           split_part(i.item, ':', 1)::bigint AS message_id,
           split_part(i.item, ':', 2)::integer AS receipt
      FROM string_to_table(@Items, '|') AS i(item)
     WHERE i.item <> ''
), confirmed AS (
    DELETE FROM once_stream_message AS m
     USING items AS i
     WHERE m.service_id = @ServiceId
       AND m.provider_id = @ProviderId
       AND m.queue_id = @QueueId
       AND m.message_id = i.message_id
       AND i.receipt > 0
       AND m.dequeued = i.receipt
    RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id
), released AS (
    UPDATE once_stream_message AS m
       SET visible_on = now(),
           modified_on = now()
      FROM items AS i
     WHERE m.service_id = @ServiceId
       AND m.provider_id = @ProviderId
       AND m.queue_id = @QueueId
       AND m.message_id = i.message_id
       AND i.receipt < 0
       AND m.dequeued = -i.receipt
       AND NOT EXISTS (SELECT 1 FROM items AS p WHERE p.message_id = i.message_id AND p.receipt > 0)
    RETURNING m.service_id, m.provider_id, m.queue_id, m.message_id
), done AS (
    SELECT * FROM confirmed
    UNION ALL
    SELECT * FROM released
)
SELECT d.service_id AS ServiceId,
       d.provider_id AS ProviderId,
       d.queue_id AS QueueId,
       d.message_id AS MessageId
  FROM done AS d
 ORDER BY d.message_id$q$
),
(
    'FailStreamMessageKey',
    -- A delivery of the message failed for good at this silo. With attempts left it is shown again
    -- at once (the failed attempt stays counted); on its last attempt it goes to the dead letters.
    -- The provider passes no receipt, so this cannot tell whether the caller still holds the lease.
    -- The two branches exclude each other on the attempt count, which only ever grows.
    $q$WITH moved AS (
    DELETE FROM once_stream_message AS m
     WHERE m.service_id = @ServiceId
       AND m.provider_id = @ProviderId
       AND m.queue_id = @QueueId
       AND m.message_id = @MessageId
       AND m.dequeued >= @MaxAttempts
    RETURNING m.*
), buried AS (
    INSERT INTO once_stream_dead_letter
        (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on,
         modified_on, payload, reason, remove_on)
    SELECT v.service_id, v.provider_id, v.queue_id, v.message_id, v.dequeued, v.visible_on, v.expires_on,
           v.created_on, v.modified_on, v.payload, 'failed', now() + make_interval(secs => @RemovalTimeout)
      FROM moved AS v
)
UPDATE once_stream_message AS m
   SET visible_on = now(),
       modified_on = now()
 WHERE m.service_id = @ServiceId
   AND m.provider_id = @ProviderId
   AND m.queue_id = @QueueId
   AND m.message_id = @MessageId
   AND m.dequeued < @MaxAttempts$q$
),
(
    'EvictStreamMessagesKey',
    -- Never run by Orleans 10.4.2-alpha.1, which evicts through GetStreamMessagesKey, but required
    -- at start-up. The same move as there, unscheduled, for up to MaxCount messages.
    $q$WITH doomed AS MATERIALIZED (
    SELECT x.message_id
      FROM once_stream_message AS x
     WHERE x.service_id = @ServiceId
       AND x.provider_id = @ProviderId
       AND x.queue_id = @QueueId
       AND x.visible_on <= now()
       AND ((x.dequeued > 0 AND x.dequeued >= @MaxAttempts) OR x.expires_on <= now())
     ORDER BY x.message_id
     LIMIT @MaxCount
       FOR UPDATE SKIP LOCKED
), evicted AS (
    DELETE FROM once_stream_message AS m
     USING doomed AS x
     WHERE m.service_id = @ServiceId
       AND m.provider_id = @ProviderId
       AND m.queue_id = @QueueId
       AND m.message_id = x.message_id
    RETURNING m.*
)
INSERT INTO once_stream_dead_letter
    (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on,
     modified_on, payload, reason, remove_on)
SELECT v.service_id, v.provider_id, v.queue_id, v.message_id, v.dequeued, v.visible_on, v.expires_on,
       v.created_on, v.modified_on, v.payload,
       CASE WHEN v.expires_on <= now() THEN 'expired' ELSE 'attempts' END,
       now() + make_interval(secs => @RemovalTimeout)
  FROM evicted AS v$q$
),
(
    'EvictStreamDeadLettersKey',
    -- Never run by Orleans 10.4.2-alpha.1 (see EvictStreamMessagesKey). Deletes up to MaxCount dead
    -- letters of the queue whose removal time has passed.
    $q$WITH spent AS MATERIALIZED (
    SELECT y.message_id
      FROM once_stream_dead_letter AS y
     WHERE y.service_id = @ServiceId
       AND y.provider_id = @ProviderId
       AND y.queue_id = @QueueId
       AND y.remove_on <= now()
     ORDER BY y.remove_on
     LIMIT @MaxCount
       FOR UPDATE SKIP LOCKED
)
DELETE FROM once_stream_dead_letter AS l
 USING spent AS y
 WHERE l.service_id = @ServiceId
   AND l.provider_id = @ProviderId
   AND l.queue_id = @QueueId
   AND l.message_id = y.message_id$q$
)
ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext
    WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext;

INSERT INTO once_schema_version (migration) VALUES ('005_streaming') ON CONFLICT (migration) DO NOTHING;
