namespace Once.Postgres.Tests;

/// <summary>The reminder query texts, run the way Microsoft.Orleans.Reminders.AdoNet runs them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReminderQueryTests(PostgresServer server) : IAsyncLifetime
{

    private static readonly DateTime Start = new(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    private readonly string _service = "svc-" + Guid.NewGuid().ToString("N");

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = new TestDatabase(await server.DatabaseForAsync(GetType()));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Upsert_NewThenOverwrite_NewVersionEachTimeAndValuesReplaced()
    {
        var first = await UpsertAsync("mygrain/2A", "tick", -1426872780, Param.Int("Period", 60_000));
        // Periods beyond int range (~24.8 days) are bound as bigint.
        var second = await UpsertAsync("mygrain/2A", "tick", -1426872780, Param.Long("Period", (long)TimeSpan.FromDays(30).TotalMilliseconds));

        Assert.NotEqual(first, second);
        var row = Assert.Single(await ReadRowAsync("mygrain/2A", "tick"));
        Assert.Equal("mygrain/2A", row["GrainId"]);
        Assert.Equal("tick", row["ReminderName"]);
        Assert.Equal(Start, row["StartTime"]);
        Assert.Equal(2_592_000_000L, row["Period"]);
        Assert.Equal(second, row["Version"]);
    }

    [Fact]
    public async Task ReadRow_Missing_ReturnsNoRow()
    {
        await UpsertAsync("mygrain/1", "tick", 1, Param.Int("Period", 1000));

        Assert.Empty(await ReadRowAsync("mygrain/1", "tock"));
        Assert.Empty(await ReadRowAsync("mygrain/2", "tick"));
    }

    [Fact]
    public async Task ReadRows_Grain_ReturnsAllItsRemindersOnly()
    {
        await UpsertAsync("mygrain/1", "a", 1, Param.Int("Period", 1000));
        await UpsertAsync("mygrain/1", "b", 1, Param.Int("Period", 1000));
        await UpsertAsync("mygrain/2", "a", 2, Param.Int("Period", 1000));

        var rows = await _db.RunAsync("ReadReminderRowsKey", Param.Text("ServiceId", _service), Param.Ansi("GrainId", "mygrain/1"));

        Assert.Equal(["a", "b"], rows.Select(row => (string)row["ReminderName"]!).Order());
    }

    [Fact]
    public async Task ReadRange_SignedRanges_ExclusiveBeginInclusiveEndAndWrapping()
    {
        var hashes = new[] { int.MinValue, -100, -1, 0, 1, 100, int.MaxValue };
        foreach (var hash in hashes)
        {
            await UpsertAsync($"mygrain/{hash}", "r", hash, Param.Int("Period", 1000));
        }

        // Rows1: (begin, end] with begin < end, here crossing zero.
        Assert.Equal(new[] { -1, 0, 1, 100 }, await RangeAsync("ReadRangeRows1Key", -100, 100));
        // Rows2: begin >= end wraps: everything > begin or <= end.
        Assert.Equal(new[] { int.MinValue, -100, int.MaxValue }, await RangeAsync("ReadRangeRows2Key", 100, -100));
        // begin == end is the whole ring.
        Assert.Equal(hashes, await RangeAsync("ReadRangeRows2Key", 0, 0));
    }

    [Fact]
    public async Task DeleteRow_MatchingAndStaleVersion_TrueOnlyForMatching()
    {
        var version = await UpsertAsync("mygrain/1", "tick", 1, Param.Int("Period", 1000));

        var stale = await DeleteAsync("mygrain/1", "tick", version + 1);
        var current = await DeleteAsync("mygrain/1", "tick", version);
        var again = await DeleteAsync("mygrain/1", "tick", version);

        Assert.False(stale);
        Assert.True(current);
        Assert.False(again);
        Assert.Empty(await ReadRowAsync("mygrain/1", "tick"));
    }

    [Fact]
    public async Task DeleteRows_Service_RemovesOnlyThatServicesReminders()
    {
        await UpsertAsync("mygrain/1", "tick", 1, Param.Int("Period", 1000));
        await _db.RunAsync(
            "UpsertReminderRowKey",
            Param.Text("ServiceId", _service + "-other"), Param.Int("GrainHash", 1), Param.Ansi("GrainId", "mygrain/1"),
            Param.Text("ReminderName", "tick"), Param.Time("StartTime", Start), Param.Int("Period", 1000));

        await _db.RunAsync("DeleteReminderRowsKey", Param.Text("ServiceId", _service));

        Assert.Empty(await ReadRowAsync("mygrain/1", "tick"));
        Assert.Equal(1L, await _db.ScalarAsync<long>("SELECT count(*) FROM once_reminder WHERE service_id = @s", Param.Text("s", _service + "-other")));
    }

    private async Task<int> UpsertAsync(string grainId, string name, int hash, Param period)
    {
        var rows = await _db.RunAsync(
            "UpsertReminderRowKey",
            Param.Text("ServiceId", _service),
            Param.Int("GrainHash", hash),
            Param.Ansi("GrainId", grainId),
            Param.Text("ReminderName", name),
            Param.Time("StartTime", Start),
            period);
        return Convert.ToInt32(Assert.Single(rows)["Version"], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<IReadOnlyList<Row>> ReadRowAsync(string grainId, string name) =>
        await _db.RunAsync(
            "ReadReminderRowKey",
            Param.Text("ServiceId", _service),
            Param.Ansi("GrainId", grainId),
            Param.Text("ReminderName", name));

    private async Task<int[]> RangeAsync(string key, int begin, int end)
    {
        var rows = await _db.RunAsync(key, Param.Text("ServiceId", _service), Param.Int("BeginHash", begin), Param.Int("EndHash", end));
        return [.. rows.Select(row => int.Parse(((string)row["GrainId"]!)["mygrain/".Length..], System.Globalization.CultureInfo.InvariantCulture)).Order()];
    }

    private async Task<bool> DeleteAsync(string grainId, string name, int version)
    {
        var rows = await _db.RunAsync(
            "DeleteReminderRowKey",
            Param.Text("ServiceId", _service),
            Param.Ansi("GrainId", grainId),
            Param.Text("ReminderName", name),
            Param.Int("Version", version));
        return (bool)Assert.Single(rows)[0]!;
    }
}
