using System.Globalization;
using System.Text;
using Npgsql;

namespace Once.Postgres.Tests;

/// <summary>The streaming query texts against the contract of Microsoft.Orleans.Streaming.AdoNet.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StreamQueryTests(PostgresServer postgres)
{
    private const string ServiceId = "once";
    private const string ProviderId = "events";
    private const string QueueId = "events-0";

    private static readonly string[] StreamingKeys =
    [
        "QueueStreamMessageKey", "GetStreamMessagesKey", "ConfirmStreamMessagesKey",
        "FailStreamMessageKey", "EvictStreamMessagesKey", "EvictStreamDeadLettersKey",
    ];

    [Fact]
    public async Task QueryTable_AfterMigrations_HoldsEveryStreamingKey()
    {
        await using var db = await OpenAsync();

        foreach (var key in StreamingKeys)
        {
            Assert.False(string.IsNullOrWhiteSpace(await Sql.QueryTextAsync(db.Connection, key)), key);
        }
    }

    [Fact]
    public async Task Queue_OneBatch_ReturnsExactlyOneRowWithTheQueueAndABigintId()
    {
        await using var db = await OpenAsync();

        var rows = await Sql.RunAsync(db.Connection, "QueueStreamMessageKey", QueueParameters("a", expiry: 600));

        var row = Assert.Single(rows);
        Assert.Equal(ServiceId, Assert.IsType<string>(row["ServiceId"]));
        Assert.Equal(ProviderId, Assert.IsType<string>(row["ProviderId"]));
        Assert.Equal(QueueId, Assert.IsType<string>(row["QueueId"]));
        Assert.IsType<long>(row["MessageId"]);
    }

    [Fact]
    public async Task QueueThenGet_OneMessage_ReturnsItLeasedWithReceiptOne()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");

        var message = Assert.Single(await GetAsync(db, visibility: 60));

        // Strict types: the provider casts every column of this row.
        Assert.Equal(ServiceId, Assert.IsType<string>(message["ServiceId"]));
        Assert.Equal(ProviderId, Assert.IsType<string>(message["ProviderId"]));
        Assert.Equal(QueueId, Assert.IsType<string>(message["QueueId"]));
        Assert.Equal(id, Assert.IsType<long>(message["MessageId"]));
        Assert.Equal(1, Assert.IsType<int>(message["Dequeued"]));
        Assert.Equal("hello", Encoding.UTF8.GetString(Assert.IsType<byte[]>(message["Payload"])));
        foreach (var column in new[] { "VisibleOn", "ExpiresOn", "CreatedOn", "ModifiedOn" })
        {
            Assert.Equal(DateTimeKind.Utc, Assert.IsType<DateTime>(message[column]).Kind);
        }

        Assert.Equal(TimeSpan.FromSeconds(60), Time(message, "VisibleOn") - Time(message, "ModifiedOn"));
    }

    [Fact]
    public async Task Get_WithinTheVisibilityTimeout_DoesNotReturnTheLeasedMessageAgain()
    {
        await using var db = await OpenAsync();
        await QueueAsync(db, "hello");

        var first = await GetAsync(db, visibility: 60);
        var second = await GetAsync(db, visibility: 60);

        Assert.Single(first);
        Assert.Empty(second);
        Assert.Equal(1, await CountMessagesAsync(db));
    }

    [Fact]
    public async Task Get_SeveralMessages_ReturnsOldestFirstAndAtMostMaxCount()
    {
        await using var db = await OpenAsync();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await QueueAsync(db, $"m{i}"));
        }

        var first = await GetAsync(db, maxCount: 2);
        var second = await GetAsync(db, maxCount: 2);

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids[..2], first.Select(Id));
        Assert.Equal(ids[2..], second.Select(Id));
    }

    [Fact]
    public async Task Get_OtherQueue_NeitherSeesNorConfirmsTheMessage()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");

        var otherQueue = await GetAsync(db, queueId: "events-1");
        var message = Assert.Single(await GetAsync(db));
        var confirmedElsewhere = await ConfirmAsync(db, Item(id, 1), queueId: "events-1");

        Assert.Empty(otherQueue);
        Assert.Equal(id, Id(message));
        Assert.Empty(confirmedElsewhere);
        Assert.Equal(1, await CountMessagesAsync(db));
    }

    [Fact]
    public async Task Confirm_WithTheReceipt_DeletesTheMessageAndReportsIt()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        await GetAsync(db);

        var rows = await Sql.RunAsync(db.Connection, "ConfirmStreamMessagesKey", ConfirmParameters(Item(id, 1), QueueId));

        var row = Assert.Single(rows);
        Assert.Equal(id, Assert.IsType<long>(row["MessageId"]));
        Assert.Equal(ServiceId, Assert.IsType<string>(row["ServiceId"]));
        Assert.Equal(ProviderId, Assert.IsType<string>(row["ProviderId"]));
        Assert.Equal(QueueId, Assert.IsType<string>(row["QueueId"]));
        Assert.Equal(0, await CountMessagesAsync(db));
        Assert.Equal(0, await CountDeadLettersAsync(db));
    }

    [Fact]
    public async Task Confirm_SeveralItems_DeletesOnlyThoseWhoseReceiptMatches()
    {
        await using var db = await OpenAsync();
        var a = await QueueAsync(db, "a");
        var b = await QueueAsync(db, "b");
        var c = await QueueAsync(db, "c");
        await GetAsync(db);

        var confirmed = await ConfirmAsync(db, $"{Item(a, 1)}|{Item(b, 2)}|{Item(c, 1)}");

        Assert.Equal(new[] { a, c }, confirmed);
        Assert.Equal(1, await CountMessagesAsync(db));
    }

    [Fact]
    public async Task Confirm_WithAStaleReceipt_LeavesTheMessage()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        await GetAsync(db);

        var confirmed = await ConfirmAsync(db, Item(id, 2));

        Assert.Empty(confirmed);
        Assert.Equal(1, await CountMessagesAsync(db));
    }

    [Fact]
    public async Task Release_WithTheNegatedReceipt_ShowsTheMessageAtOnceKeepingItsAttempts()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        await GetAsync(db, visibility: 60);

        var stale = await ConfirmAsync(db, Item(id, -2));
        var whileStillLeased = await GetAsync(db, visibility: 60);
        var released = await ConfirmAsync(db, Item(id, -1));
        var again = Assert.Single(await GetAsync(db, visibility: 60));

        Assert.Empty(stale);
        Assert.Empty(whileStillLeased);
        Assert.Equal(new[] { id }, released);
        Assert.Equal(id, Id(again));
        Assert.Equal(2, Dequeued(again));
    }

    [Fact]
    public async Task Lease_AfterItsVisibilityTimeout_ComesBackWithTheNextReceipt_OldReceiptNoLongerConfirms()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        var first = Assert.Single(await GetAsync(db, visibility: 1));

        var again = await WaitForMessageAsync(db, visibility: 60);
        var staleConfirm = await ConfirmAsync(db, Item(id, 1));
        var confirm = await ConfirmAsync(db, Item(id, 2));

        Assert.Equal(id, Id(again));
        Assert.Equal("hello", Encoding.UTF8.GetString((byte[])again["Payload"]!));
        Assert.Equal(2, Dequeued(again));
        Assert.True(Time(again, "ModifiedOn") >= Time(first, "VisibleOn"), "The message came back before its lease ran out.");
        Assert.Empty(staleConfirm);
        Assert.Equal(new[] { id }, confirm);
        Assert.Equal(0, await CountMessagesAsync(db));
    }

    [Fact]
    public async Task Fail_WithAttemptsLeft_ShowsTheMessageAtOnceAndKeepsTheAttemptCounted()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        await GetAsync(db, visibility: 60);

        await FailAsync(db, id, maxAttempts: 5);
        var again = Assert.Single(await GetAsync(db, visibility: 60));

        Assert.Equal(id, Id(again));
        Assert.Equal(2, Dequeued(again));
        Assert.Equal(0, await CountDeadLettersAsync(db));
    }

    [Fact]
    public async Task Fail_OnTheLastAttempt_MovesTheMessageToTheDeadLetters()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        await GetAsync(db, maxAttempts: 2);
        await FailAsync(db, id, maxAttempts: 2);
        await GetAsync(db, maxAttempts: 2);

        await FailAsync(db, id, maxAttempts: 2, removal: 3600);
        var afterwards = await GetAsync(db, maxAttempts: 2);

        Assert.Empty(afterwards);
        Assert.Equal(0, await CountMessagesAsync(db));
        var dead = Assert.Single(await DeadLettersAsync(db));
        Assert.Equal((id, 2, "failed", "hello", TimeSpan.FromHours(1)), dead);
    }

    [Fact]
    public async Task Get_MessageOutOfAttempts_IsNotLeasedAgain()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        await GetAsync(db, maxAttempts: 1, evictionInterval: 3600);
        await FailAsync(db, id, maxAttempts: 5);

        var rows = await GetAsync(db, maxAttempts: 1, evictionInterval: 3600);

        Assert.Empty(rows);
        Assert.Equal(1, await CountMessagesAsync(db));
    }

    [Fact]
    public async Task Get_LastLeaseRanOut_EvictsTheMessageToTheDeadLetters()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello");
        Assert.Single(await GetAsync(db, maxAttempts: 1, visibility: 0, evictionInterval: 0));

        // Visibility 0: the lease ended when it began, and eviction interval 0 makes every get an
        // eviction turn.
        var rows = await GetAsync(db, maxAttempts: 1, visibility: 0, evictionInterval: 0, removal: 3600);

        Assert.Empty(rows);
        Assert.Equal(0, await CountMessagesAsync(db));
        Assert.Equal((id, 1, "attempts", "hello", TimeSpan.FromHours(1)), Assert.Single(await DeadLettersAsync(db)));
    }

    [Fact]
    public async Task Get_LastAttemptStillLeased_IsNotEvicted()
    {
        await using var db = await OpenAsync();
        await QueueAsync(db, "hello");
        Assert.Single(await GetAsync(db, maxAttempts: 1, visibility: 60, evictionInterval: 0));

        var rows = await GetAsync(db, maxAttempts: 1, visibility: 60, evictionInterval: 0);

        Assert.Empty(rows);
        Assert.Equal(1, await CountMessagesAsync(db));
        Assert.Equal(0, await CountDeadLettersAsync(db));
    }

    [Fact]
    public async Task Get_ExpiredMessage_IsNotReturnedAndMovesToTheDeadLetters()
    {
        await using var db = await OpenAsync();
        var id = await QueueAsync(db, "hello", expiry: 0);

        var rows = await GetAsync(db, evictionInterval: 0, removal: 3600);

        Assert.Empty(rows);
        Assert.Equal(0, await CountMessagesAsync(db));
        Assert.Equal((id, 0, "expired", "hello", TimeSpan.FromHours(1)), Assert.Single(await DeadLettersAsync(db)));
    }

    [Fact]
    public async Task Get_EvictionNotDueYet_LeavesExpiredMessagesInTheQueue()
    {
        await using var db = await OpenAsync();
        // The first get of a queue takes the first eviction turn and schedules the next one an hour on.
        await GetAsync(db, evictionInterval: 3600);
        await QueueAsync(db, "hello", expiry: 0);

        var rows = await GetAsync(db, evictionInterval: 3600);

        Assert.Empty(rows);
        Assert.Equal(1, await CountMessagesAsync(db));
        Assert.Equal(0, await CountDeadLettersAsync(db));
    }

    [Fact]
    public async Task Get_EvictionTurn_MovesAtMostEvictionBatchSizeMessages()
    {
        await using var db = await OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await QueueAsync(db, $"m{i}", expiry: 0);
        }

        await GetAsync(db, evictionInterval: 0, evictionBatchSize: 2);
        var afterFirstTurn = (await CountMessagesAsync(db), await CountDeadLettersAsync(db));
        await GetAsync(db, evictionInterval: 0, evictionBatchSize: 2, removal: 3600);

        Assert.Equal((1L, 2L), afterFirstTurn);
        Assert.Equal(0, await CountMessagesAsync(db));
        Assert.Equal(3, await CountDeadLettersAsync(db));
    }

    [Fact]
    public async Task Get_EvictionTurn_DeletesDeadLettersPastTheirRemovalTimeOnly()
    {
        await using var db = await OpenAsync();
        await QueueAsync(db, "due", expiry: 0);
        await GetAsync(db, evictionInterval: 0, removal: 0);
        var afterMove = await DeadLettersAsync(db);
        await QueueAsync(db, "kept", expiry: 0);

        await GetAsync(db, evictionInterval: 0, removal: 3600);
        await GetAsync(db, evictionInterval: 0, removal: 3600);

        Assert.Equal("due", Assert.Single(afterMove).Payload);
        Assert.Equal("kept", Assert.Single(await DeadLettersAsync(db)).Payload);
    }

    [Fact]
    public async Task EvictMessagesKey_MovesEligibleMessagesUpToMaxCount_LeavesLiveOnes()
    {
        await using var db = await OpenAsync();
        var live = await QueueAsync(db, "live");
        for (var i = 0; i < 3; i++)
        {
            await QueueAsync(db, $"expired{i}", expiry: 0);
        }

        await EvictMessagesAsync(db, maxCount: 2);
        var afterFirst = await CountDeadLettersAsync(db);
        await EvictMessagesAsync(db, maxCount: 2);

        Assert.Equal(2, afterFirst);
        Assert.Equal(3, await CountDeadLettersAsync(db));
        Assert.Equal(live, Id(Assert.Single(await GetAsync(db, evictionInterval: 3600))));
    }

    [Fact]
    public async Task EvictDeadLettersKey_DeletesDueDeadLettersUpToMaxCount_KeepsTheOthers()
    {
        await using var db = await OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await QueueAsync(db, $"due{i}", expiry: 0);
        }

        await EvictMessagesAsync(db, maxCount: 10, removal: 0);
        await QueueAsync(db, "kept", expiry: 0);
        await EvictMessagesAsync(db, maxCount: 10, removal: 3600);

        await EvictDeadLettersAsync(db, maxCount: 2);
        var afterFirst = await CountDeadLettersAsync(db);
        await EvictDeadLettersAsync(db, maxCount: 2);

        Assert.Equal(2, afterFirst);
        Assert.Equal("kept", Assert.Single(await DeadLettersAsync(db)).Payload);
    }

    [Fact]
    public async Task Timestamps_UnderANonUtcSessionTimeZone_AreUtcInstants()
    {
        await using var db = await OpenAsync();
        await using (var zone = new NpgsqlCommand("SET TimeZone = 'America/New_York'", db.Connection))
        {
            await zone.ExecuteNonQueryAsync();
        }

        await QueueAsync(db, "hello", expiry: 600);
        var message = Assert.Single(await GetAsync(db, visibility: 60));
        var serverNow = await ServerNowAsync(db.Connection);

        Assert.Equal(TimeSpan.FromSeconds(600), Time(message, "ExpiresOn") - Time(message, "CreatedOn"));
        // A zone shift would be hours; the tolerance only absorbs the time this test takes.
        Assert.InRange(serverNow - Time(message, "CreatedOn"), TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.InRange(DateTime.UtcNow - Time(message, "CreatedOn"), TimeSpan.FromMinutes(-5), TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task ConcurrentGets_OneClaimUncommitted_TheOtherSkipsItsMessageWithoutWaiting()
    {
        await using var db = await OpenAsync();
        var text = await Sql.QueryTextAsync(db.Connection, "GetStreamMessagesKey");

        var (held, other, otherWaited) = await RaceWithAnUncommittedClaimAsync(db, text);

        Assert.False(otherWaited);
        Assert.Equal(3, held.Count + other.Count);
        Assert.Empty(held.Intersect(other));
    }

    [Fact]
    public async Task ConcurrentGets_NegativeControlWithoutSkipLocked_LeaseOneMessageTwice()
    {
        // The checker above must be able to fail: the same race against a claim without row locks
        // waits for the first claim, then leases its message a second time.
        await using var db = await OpenAsync();
        var text = await Sql.QueryTextAsync(db.Connection, "GetStreamMessagesKey");
        const string Locked = "LIMIT @MaxCount\n       FOR UPDATE SKIP LOCKED";
        Assert.Contains(Locked, text, StringComparison.Ordinal);

        var (held, other, otherWaited) = await RaceWithAnUncommittedClaimAsync(db, text.Replace(Locked, "LIMIT @MaxCount", StringComparison.Ordinal));

        Assert.True(otherWaited);
        Assert.NotEmpty(held.Intersect(other));
    }

    [Fact]
    public async Task ConcurrentGets_ManyPollers_LeaseEveryMessageExactlyOnce()
    {
        await using var db = await OpenAsync();
        var queued = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            queued.Add(await QueueAsync(db, $"m{i}"));
        }

        var pollers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var connection = await db.DataSource.OpenConnectionAsync();
            var mine = new List<long>();
            while (true)
            {
                var rows = await Sql.RunAsync(connection, "GetStreamMessagesKey", GetParameters(maxCount: 7, evictionInterval: 0));
                if (rows.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(rows.Select(Id));
            }
        }));
        var leased = (await Task.WhenAll(pollers)).SelectMany(ids => ids).ToList();

        Assert.Equal(queued.Count, leased.Count);
        Assert.Equal(queued, leased.Order());
    }

    /// <summary>
    /// A first poller claims one message in a transaction it keeps open while a second poller runs
    /// <paramref name="text"/>. Should the second one wait on a lock, the first commits to let it go on.
    /// </summary>
    private static async Task<(List<long> Held, List<long> Other, bool OtherWaited)> RaceWithAnUncommittedClaimAsync(Db db, string text)
    {
        // Creates the queue's eviction schedule, an hour away, so neither poller touches it.
        await GetAsync(db, evictionInterval: 3600);
        for (var i = 0; i < 3; i++)
        {
            await QueueAsync(db, $"m{i}");
        }

        await using var otherConnection = await db.DataSource.OpenConnectionAsync();
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var held = (await Sql.RunAsync(db.Connection, "GetStreamMessagesKey", GetParameters(maxCount: 1, evictionInterval: 3600), transaction))
            .Select(Id).ToList();
        var other = Task.Run(() => RunTextAsync(otherConnection, text, GetParameters(maxCount: 10, evictionInterval: 3600)));

        var otherWaited = await WaitUntilBlockedOnALockOrDoneAsync(db.DataSource, other);
        if (otherWaited)
        {
            await transaction.CommitAsync();
        }

        var otherIds = (await other.WaitAsync(TimeSpan.FromSeconds(30))).Select(Id).ToList();
        if (!otherWaited)
        {
            await transaction.CommitAsync();
        }

        Assert.Single(held);
        return (held, otherIds, otherWaited);
    }

    /// <summary>True as soon as a session of the database waits on a lock; false once <paramref name="work"/> is done.</summary>
    private static async Task<bool> WaitUntilBlockedOnALockOrDoneAsync(NpgsqlDataSource dataSource, Task work)
    {
        await using var probe = await dataSource.OpenConnectionAsync();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!work.IsCompleted)
        {
            if (await Sql.CountAsync(probe, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0)
            {
                return true;
            }

            Assert.True(DateTime.UtcNow < deadline, "The second poller neither finished nor waited on a lock.");
            await timer.WaitForNextTickAsync();
        }

        return false;
    }

    /// <summary>Polls until a get returns one message (its lease ran out) or a deadline passes.</summary>
    private static async Task<Dictionary<string, object?>> WaitForMessageAsync(Db db, int visibility)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var rows = await GetAsync(db, visibility: visibility);
            if (rows.Count > 0)
            {
                return Assert.Single(rows);
            }

            Assert.True(DateTime.UtcNow < deadline, "The leased message never became visible again.");
            await timer.WaitForNextTickAsync();
        }
    }

    private async Task<Db> OpenAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        return new Db(dataSource, await dataSource.OpenConnectionAsync());
    }

    private static async Task<long> QueueAsync(Db db, string payload, int expiry = 600)
    {
        var row = Assert.Single(await Sql.RunAsync(db.Connection, "QueueStreamMessageKey", QueueParameters(payload, expiry)));
        return Id(row);
    }

    private static Task<List<Dictionary<string, object?>>> GetAsync(
        Db db, int maxCount = 32, int maxAttempts = 5, int visibility = 60, int removal = 604800,
        int evictionInterval = 10, int evictionBatchSize = 1000, string queueId = QueueId) =>
        Sql.RunAsync(db.Connection, "GetStreamMessagesKey",
            GetParameters(maxCount, maxAttempts, visibility, removal, evictionInterval, evictionBatchSize, queueId));

    private static async Task<List<long>> ConfirmAsync(Db db, string items, string queueId = QueueId) =>
        (await Sql.RunAsync(db.Connection, "ConfirmStreamMessagesKey", ConfirmParameters(items, queueId))).Select(Id).ToList();

    private static async Task FailAsync(Db db, long id, int maxAttempts, int removal = 604800) =>
        Assert.Empty(await Sql.RunAsync(db.Connection, "FailStreamMessageKey", new()
        {
            ["ServiceId"] = ServiceId, ["ProviderId"] = ProviderId, ["QueueId"] = QueueId,
            ["MessageId"] = id, ["MaxAttempts"] = maxAttempts, ["RemovalTimeout"] = removal,
        }));

    private static Task EvictMessagesAsync(Db db, int maxCount, int maxAttempts = 5, int removal = 604800) =>
        Sql.RunAsync(db.Connection, "EvictStreamMessagesKey", new()
        {
            ["ServiceId"] = ServiceId, ["ProviderId"] = ProviderId, ["QueueId"] = QueueId,
            ["MaxCount"] = maxCount, ["MaxAttempts"] = maxAttempts, ["RemovalTimeout"] = removal,
        });

    private static Task EvictDeadLettersAsync(Db db, int maxCount) =>
        Sql.RunAsync(db.Connection, "EvictStreamDeadLettersKey", new()
        {
            ["ServiceId"] = ServiceId, ["ProviderId"] = ProviderId, ["QueueId"] = QueueId, ["MaxCount"] = maxCount,
        });

    private static Dictionary<string, object?> QueueParameters(string payload, int expiry) => new()
    {
        ["ServiceId"] = ServiceId,
        ["ProviderId"] = ProviderId,
        ["QueueId"] = QueueId,
        ["Payload"] = Encoding.UTF8.GetBytes(payload),
        ["ExpiryTimeout"] = expiry,
    };

    /// <summary>Every parameter the provider binds for a get, with its defaults unless given.</summary>
    private static Dictionary<string, object?> GetParameters(
        int maxCount = 32, int maxAttempts = 5, int visibility = 60, int removal = 604800,
        int evictionInterval = 10, int evictionBatchSize = 1000, string queueId = QueueId) => new()
    {
        ["ServiceId"] = ServiceId,
        ["ProviderId"] = ProviderId,
        ["QueueId"] = queueId,
        ["MaxCount"] = maxCount,
        ["MaxAttempts"] = maxAttempts,
        ["VisibilityTimeout"] = visibility,
        ["RemovalTimeout"] = removal,
        ["EvictionInterval"] = evictionInterval,
        ["EvictionBatchSize"] = evictionBatchSize,
    };

    private static Dictionary<string, object?> ConfirmParameters(string items, string queueId) => new()
    {
        ["ServiceId"] = ServiceId,
        ["ProviderId"] = ProviderId,
        ["QueueId"] = queueId,
        ["Items"] = items,
    };

    /// <summary>One Items entry as the provider formats it: "id:receipt", negative receipt = release.</summary>
    private static string Item(long id, int receipt) => string.Create(CultureInfo.InvariantCulture, $"{id}:{receipt}");

    private static long Id(Dictionary<string, object?> row) => Assert.IsType<long>(row["MessageId"]);

    private static int Dequeued(Dictionary<string, object?> row) => Assert.IsType<int>(row["Dequeued"]);

    private static DateTime Time(Dictionary<string, object?> row, string column) => Assert.IsType<DateTime>(row[column]);

    private static async Task<List<Dictionary<string, object?>>> RunTextAsync(
        NpgsqlConnection connection, string text, Dictionary<string, object?> parameters)
    {
        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value));
        }

        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private static Task<long> CountMessagesAsync(Db db) => Sql.CountAsync(db.Connection, "SELECT count(*) FROM once_stream_message");

    private static Task<long> CountDeadLettersAsync(Db db) => Sql.CountAsync(db.Connection, "SELECT count(*) FROM once_stream_dead_letter");

    private static async Task<DateTime> ServerNowAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT now()", connection);
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<(long Id, int Dequeued, string Reason, string Payload, TimeSpan Kept)>> DeadLettersAsync(Db db)
    {
        const string Query = """
            SELECT message_id, dequeued, reason, payload, remove_on - dead_lettered_on
              FROM once_stream_dead_letter
             ORDER BY message_id
            """;
        var rows = new List<(long, int, string, string, TimeSpan)>();
        await using var command = new NpgsqlCommand(Query, db.Connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2),
                Encoding.UTF8.GetString((byte[])reader.GetValue(3)), reader.GetFieldValue<TimeSpan>(4)));
        }

        return rows;
    }

    private sealed record Db(NpgsqlDataSource DataSource, NpgsqlConnection Connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            await DataSource.DisposeAsync();
        }
    }
}
