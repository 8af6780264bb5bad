namespace Once.Postgres.Tests;

/// <summary>The clustering query texts, run the way Microsoft.Orleans.Clustering.AdoNet runs them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusteringQueryTests(PostgresServer server) : IAsyncLifetime
{
    private const int Active = 3;
    private const int Joining = 2;
    private const int Dead = 6;

    private static readonly DateTime Started = new(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);

    private readonly string _cluster = "cluster-" + Guid.NewGuid().ToString("N");
    private readonly string _otherCluster = "other-" + Guid.NewGuid().ToString("N");

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = new TestDatabase(await server.DatabaseForAsync(GetType()));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task InsertMembershipVersion_Twice_TrueThenFalseAndOneRow()
    {
        var first = await _db.RunAsync("InsertMembershipVersionKey", Param.Text("DeploymentId", _cluster));
        var second = await _db.RunAsync("InsertMembershipVersionKey", Param.Text("DeploymentId", _cluster));

        // Single-boolean results: exactly one column, at least one row.
        Assert.Equal(1, Assert.Single(first).FieldCount);
        Assert.Equal(true, first[0][0]);
        Assert.Equal(false, Assert.Single(second)[0]);
        Assert.Equal(1L, await _db.ScalarAsync<long>("SELECT count(*) FROM once_membership_version WHERE deployment_id = @d", Param.Text("d", _cluster)));
        Assert.Equal(0, await VersionAsync());
    }

    [Fact]
    public async Task InsertMember_MatchingVersion_TrueAndVersionPlusOne()
    {
        await InitAsync();

        var inserted = await InsertAsync(Silo("10.0.0.1", 11111, 1), version: 0);

        Assert.True(inserted);
        Assert.Equal(1, await VersionAsync());
        var row = Assert.Single(await ReadAllAsync());
        Assert.Equal("10.0.0.1", row["Address"]);
        Assert.Equal(11111, row["Port"]);
        Assert.Equal(1, row["Generation"]);
        Assert.Equal("silo-10.0.0.1-11111", row["SiloName"]);
        Assert.Equal("host-a", row["HostName"]);
        Assert.Equal(Joining, row["Status"]);
        Assert.Equal(30000, row["ProxyPort"]);
        Assert.Null(row["SuspectTimes"]);
        Assert.Equal(1, row["Version"]);
    }

    [Fact]
    public async Task InsertMember_StaleVersion_FalseAndNothingChanged()
    {
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), version: 0));

        var inserted = await InsertAsync(Silo("10.0.0.2", 11111, 1), version: 0);

        Assert.False(inserted);
        Assert.Equal(1, await VersionAsync());
        Assert.Equal("10.0.0.1", Assert.Single(await ReadAllAsync())["Address"]);
    }

    [Fact]
    public async Task InsertMember_RowAlreadyExists_FalseAndVersionUnchanged()
    {
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), version: 0));

        var inserted = await InsertAsync(Silo("10.0.0.1", 11111, 1), version: 1);

        Assert.False(inserted);
        Assert.Equal(1, await VersionAsync());
        Assert.Single(await ReadAllAsync());
    }

    [Fact]
    public async Task InsertMember_TwoSilosWithSameVersionAtOnce_ExactlyOneWins()
    {
        await InitAsync();
        await using var a = await _db.OpenAsync();
        await using var b = await _db.OpenAsync();
        var text = await _db.QueryTextAsync("InsertMembershipKey");

        var results = await Task.WhenAll(
            TestDatabase.RunTextAsync(a, text, InsertParameters(Silo("10.0.0.1", 11111, 1), 0)),
            TestDatabase.RunTextAsync(b, text, InsertParameters(Silo("10.0.0.2", 11111, 1), 0)));

        Assert.Single(results, rows => Equals(Assert.Single(rows)[0], true));
        Assert.Equal(1, await VersionAsync());
        Assert.Single(await ReadAllAsync());
    }

    [Fact]
    public async Task ReadAll_NoMembers_OneRowWithVersionAndNullStartTime()
    {
        await InitAsync();

        var row = Assert.Single(await ReadAllAsync());

        Assert.Equal(0, row["Version"]);
        Assert.Null(row["StartTime"]);
        // The provider requires these columns to exist even when the row carries no member.
        Assert.True(row.Has("SuspectTimes"));
        Assert.True(row.Has("SiloName"));
    }

    [Fact]
    public async Task ReadAll_ThreeMembers_OneRowPerMemberEachWithVersion()
    {
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), 0));
        Assert.True(await InsertAsync(Silo("10.0.0.2", 11111, 1), 1));
        Assert.True(await InsertAsync(Silo("10.0.0.3", 11111, 1), 2));

        var rows = await ReadAllAsync();

        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal(3, row["Version"]));
        Assert.All(rows, row => Assert.NotNull(row["StartTime"]));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], rows.Select(row => (string)row["Address"]!).Order());
    }

    [Fact]
    public async Task ReadAll_OtherClusterOnly_ReturnsNoRows()
    {
        // Zero rows is how the provider learns that the table was never initialised for its cluster.
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), 0));

        Assert.Empty(await _db.RunAsync("MembershipReadAllKey", Param.Text("DeploymentId", _otherCluster)));
    }

    [Fact]
    public async Task ReadRow_PresentAndAbsentSilo_MemberRowOrVersionOnlyRow()
    {
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), 0));
        Assert.True(await InsertAsync(Silo("10.0.0.2", 11111, 1), 1));

        var present = Assert.Single(await ReadRowAsync("10.0.0.2", 11111, 1));
        var absent = Assert.Single(await ReadRowAsync("10.0.0.2", 11111, 2));

        Assert.Equal("10.0.0.2", present["Address"]);
        Assert.Equal(2, present["Version"]);
        Assert.Null(absent["StartTime"]);
        Assert.Equal(2, absent["Version"]);
    }

    [Fact]
    public async Task Times_RoundTripUnderNonUtcSessionZone_SameInstantsLabelledUtc()
    {
        await InitAsync();
        var silo = Silo("10.0.0.1", 11111, 1);
        Assert.True(await InsertAsync(silo, 0));
        var alive = new DateTime(2026, 7, 1, 23, 59, 59, 999, DateTimeKind.Utc).AddTicks(1230);
        await HeartbeatAsync(silo, alive);

        var row = Assert.Single(await ReadAllAsync());

        Assert.Equal(PostgresServer.SessionTimeZone, await _db.ScalarAsync<string>("SHOW TimeZone"));
        var start = Assert.IsType<DateTime>(row["StartTime"]);
        var iAmAlive = Assert.IsType<DateTime>(row["IAmAliveTime"]);
        Assert.Equal(Started, start);
        Assert.Equal(DateTimeKind.Utc, start.Kind);
        Assert.Equal(alive, iAmAlive);
    }

    [Fact]
    public async Task UpdateIAmAlive_ExistingMember_ChangesOnlyHeartbeat()
    {
        await InitAsync();
        var silo = Silo("10.0.0.1", 11111, 1);
        Assert.True(await InsertAsync(silo, 0));
        var later = Started.AddMinutes(5);

        await HeartbeatAsync(silo, later);

        Assert.Equal(1, await VersionAsync());
        var row = Assert.Single(await ReadAllAsync());
        Assert.Equal(later, row["IAmAliveTime"]);
        Assert.Equal(Joining, row["Status"]);
    }

    [Fact]
    public async Task UpdateMember_MatchingVersion_ChangesStatusVotesAndHeartbeatAndBumpsVersion()
    {
        await InitAsync();
        var silo = Silo("10.0.0.1", 11111, 1);
        Assert.True(await InsertAsync(silo, 0));
        var votes = "10.0.0.2:11111@1,2026-01-02 03:04:05.678 GMT|10.0.0.3:11111@1,2026-01-02 03:04:06.000 GMT";

        var updated = await UpdateAsync(silo, Active, votes, Started.AddSeconds(30), version: 1);

        Assert.True(updated);
        Assert.Equal(2, await VersionAsync());
        var row = Assert.Single(await ReadAllAsync());
        Assert.Equal(Active, row["Status"]);
        Assert.Equal(votes, row["SuspectTimes"]);
        Assert.Equal(Started.AddSeconds(30), row["IAmAliveTime"]);
        Assert.Equal(Started, row["StartTime"]);
    }

    [Fact]
    public async Task UpdateMember_StaleVersion_FalseAndNothingChanged()
    {
        await InitAsync();
        var silo = Silo("10.0.0.1", 11111, 1);
        Assert.True(await InsertAsync(silo, 0));
        Assert.True(await InsertAsync(Silo("10.0.0.2", 11111, 1), 1));

        var updated = await UpdateAsync(silo, Dead, null, Started.AddSeconds(30), version: 1);

        Assert.False(updated);
        Assert.Equal(2, await VersionAsync());
        Assert.All(await ReadAllAsync(), row => Assert.Equal(Joining, row["Status"]));
    }

    [Fact]
    public async Task UpdateMember_MissingRow_FalseAndVersionUnchanged()
    {
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), 0));

        var updated = await UpdateAsync(Silo("10.0.0.9", 11111, 1), Active, null, Started, version: 1);

        Assert.False(updated);
        Assert.Equal(1, await VersionAsync());
    }

    [Fact]
    public async Task Gateways_MixedMembers_OnlyActiveWithProxyPort()
    {
        await InitAsync();
        var activeGateway = Silo("10.0.0.1", 11111, 1);
        var activeNoGateway = Silo("10.0.0.2", 11111, 1) with { ProxyPort = 0 };
        var joiningGateway = Silo("10.0.0.3", 11111, 1);
        var deadGateway = Silo("10.0.0.4", 11111, 1);
        var version = 0;
        foreach (var silo in new[] { activeGateway, activeNoGateway, joiningGateway, deadGateway })
        {
            Assert.True(await InsertAsync(silo, version++));
        }

        Assert.True(await UpdateAsync(activeGateway, Active, null, Started, version++));
        Assert.True(await UpdateAsync(activeNoGateway, Active, null, Started, version++));
        Assert.True(await UpdateAsync(deadGateway, Dead, null, Started, version++));
        await _db.RunAsync("InsertMembershipVersionKey", Param.Text("DeploymentId", _otherCluster));
        Assert.True(await InsertAsync(Silo("10.0.0.5", 11111, 1), 0, _otherCluster));

        var gateways = await _db.RunAsync("GatewaysQueryKey", Param.Text("DeploymentId", _cluster), Param.Int("Status", Active));

        var gateway = Assert.Single(gateways);
        Assert.Equal("10.0.0.1", gateway["Address"]);
        Assert.Equal(30000, gateway["ProxyPort"]);
        Assert.Equal(1, gateway["Generation"]);
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_Cluster_RemovesVersionAndMembersOfThatClusterOnly()
    {
        await InitAsync();
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), 0));
        await _db.RunAsync("InsertMembershipVersionKey", Param.Text("DeploymentId", _otherCluster));
        Assert.True(await InsertAsync(Silo("10.0.0.1", 11111, 1), 0, _otherCluster));

        await _db.RunAsync("DeleteMembershipTableEntriesKey", Param.Text("DeploymentId", _cluster));

        Assert.Empty(await ReadAllAsync());
        Assert.Single(await _db.RunAsync("MembershipReadAllKey", Param.Text("DeploymentId", _otherCluster)));
        Assert.Equal(1L, await _db.ScalarAsync<long>("SELECT count(*) FROM once_membership WHERE deployment_id IN (@a, @b)", Param.Text("a", _cluster), Param.Text("b", _otherCluster)));
    }

    [Fact]
    public async Task CleanupDefunctSiloEntry_CapturedValues_DeletesOnlyUnchangedDeadRow()
    {
        await InitAsync();
        var dead = Silo("10.0.0.1", 11111, 1);
        var changed = Silo("10.0.0.2", 11111, 1);
        var active = Silo("10.0.0.3", 11111, 1);
        var votes = "10.0.0.3:11111@1,2026-01-02 03:04:05.678 GMT";
        Assert.True(await InsertAsync(dead, 0));
        Assert.True(await InsertAsync(changed, 1));
        Assert.True(await InsertAsync(active, 2));
        Assert.True(await UpdateAsync(dead, Dead, votes, Started, 3));
        Assert.True(await UpdateAsync(changed, Dead, null, Started, 4));
        Assert.True(await UpdateAsync(active, Active, null, Started, 5));

        // The runtime captured all three rows as read, then one of them changed before its delete.
        var captured = await ReadAllAsync();
        await HeartbeatAsync(changed, Started.AddHours(1));
        foreach (var row in captured)
        {
            await _db.RunAsync(
                "CleanupDefunctSiloEntryKey",
                Param.Text("DeploymentId", _cluster),
                Param.Ansi("Address", (string)row["Address"]!),
                Param.Int("Port", (int)row["Port"]!),
                Param.Int("Generation", (int)row["Generation"]!),
                Param.Text("SuspectTimes", (string?)row["SuspectTimes"]),
                Param.Time("StartTime", (DateTime)row["StartTime"]!),
                Param.Time("IAmAliveTime", (DateTime)row["IAmAliveTime"]!));
        }

        Assert.Equal(["10.0.0.2", "10.0.0.3"], (await ReadAllAsync()).Select(row => (string)row["Address"]!).Order());
        // Cleanup never counts as a membership change.
        Assert.Equal(6, await VersionAsync());
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_Cutoff_DeletesOnlyDeadRowsWithNothingRecent()
    {
        await InitAsync();
        var cutoff = Started.AddDays(7);
        var oldDead = Silo("10.0.0.1", 11111, 1);
        var deadWithRecentVote = Silo("10.0.0.2", 11111, 1);
        var deadWithRecentHeartbeat = Silo("10.0.0.3", 11111, 1);
        var oldActive = Silo("10.0.0.4", 11111, 1);
        var version = 0;
        foreach (var silo in new[] { oldDead, deadWithRecentVote, deadWithRecentHeartbeat, oldActive })
        {
            Assert.True(await InsertAsync(silo, version++));
        }

        Assert.True(await UpdateAsync(oldDead, Dead, "10.0.0.4:11111@1,2026-01-02 04:00:00.000 GMT", Started, version++));
        Assert.True(await UpdateAsync(deadWithRecentVote, Dead, "10.0.0.4:11111@1,2026-01-02 04:00:00.000 GMT|10.0.0.3:11111@1,2026-01-09 03:04:05.679 GMT", Started, version++));
        Assert.True(await UpdateAsync(deadWithRecentHeartbeat, Dead, null, cutoff, version++));
        Assert.True(await UpdateAsync(oldActive, Active, null, Started, version++));

        await _db.RunAsync("CleanupDefunctSiloEntriesKey", Param.Text("DeploymentId", _cluster), Param.Time("IAmAliveTime", cutoff));

        Assert.Equal(["10.0.0.2", "10.0.0.3", "10.0.0.4"], (await ReadAllAsync()).Select(row => (string)row["Address"]!).Order());
    }

    private sealed record SiloRow(string Address, int Port, int Generation, int ProxyPort);

    private static SiloRow Silo(string address, int port, int generation) => new(address, port, generation, 30000);

    private Param[] InsertParameters(SiloRow silo, int version, string? cluster = null) =>
    [
        Param.Text("DeploymentId", cluster ?? _cluster),
        Param.Time("IAmAliveTime", Started),
        Param.Text("SiloName", $"silo-{silo.Address}-{silo.Port}"),
        Param.Text("HostName", "host-a"),
        Param.Ansi("Address", silo.Address),
        Param.Int("Port", silo.Port),
        Param.Int("Generation", silo.Generation),
        Param.Time("StartTime", Started),
        Param.Int("Status", Joining),
        Param.Int("ProxyPort", silo.ProxyPort),
        Param.Int("Version", version),
    ];

    private async Task InitAsync() => await _db.RunAsync("InsertMembershipVersionKey", Param.Text("DeploymentId", _cluster));

    private async Task<bool> InsertAsync(SiloRow silo, int version, string? cluster = null) =>
        (bool)Assert.Single(await _db.RunAsync("InsertMembershipKey", InsertParameters(silo, version, cluster)))[0]!;

    private async Task<bool> UpdateAsync(SiloRow silo, int status, string? suspectTimes, DateTime iAmAlive, int version)
    {
        var rows = await _db.RunAsync(
            "UpdateMembershipKey",
            Param.Text("DeploymentId", _cluster),
            Param.Ansi("Address", silo.Address),
            Param.Int("Port", silo.Port),
            Param.Int("Generation", silo.Generation),
            Param.Time("IAmAliveTime", iAmAlive),
            Param.Int("Status", status),
            Param.Text("SuspectTimes", suspectTimes),
            Param.Int("Version", version));
        return (bool)Assert.Single(rows)[0]!;
    }

    private async Task HeartbeatAsync(SiloRow silo, DateTime iAmAlive) =>
        await _db.RunAsync(
            "UpdateIAmAlivetimeKey",
            Param.Text("DeploymentId", _cluster),
            Param.Ansi("Address", silo.Address),
            Param.Int("Port", silo.Port),
            Param.Int("Generation", silo.Generation),
            Param.Time("IAmAliveTime", iAmAlive));

    private async Task<IReadOnlyList<Row>> ReadAllAsync() =>
        await _db.RunAsync("MembershipReadAllKey", Param.Text("DeploymentId", _cluster));

    private async Task<IReadOnlyList<Row>> ReadRowAsync(string address, int port, int generation) =>
        await _db.RunAsync(
            "MembershipReadRowKey",
            Param.Text("DeploymentId", _cluster),
            Param.Ansi("Address", address),
            Param.Int("Port", port),
            Param.Int("Generation", generation));

    private async Task<int> VersionAsync() =>
        await _db.ScalarAsync<int>("SELECT version FROM once_membership_version WHERE deployment_id = @d", Param.Text("d", _cluster));
}
