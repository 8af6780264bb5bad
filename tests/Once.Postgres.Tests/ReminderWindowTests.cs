using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Once.Abstractions;
using Once.Core;
using Once.Grains;

namespace Once.Postgres.Tests;

/// <summary>
/// The outbox reminder follows the committed outbox: while it holds anything, a reminder is registered,
/// so a crash cannot leave an entry with nothing to wake it. The window this guards: the dispatcher
/// found the outbox empty and is removing the reminder when a commit adds an entry.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReminderWindowTests(PostgresServer postgres)
{
    [Fact]
    public async Task CommitAddsAnEntryWhileTheReminderIsBeingRemoved_ReminderStaysWhileTheOutboxHoldsIt()
    {
        var database = await postgres.CreateDatabaseAsync();
        using var receiver = new WebhookReceiver();
        await using var cluster = await PostgresCluster.StartAsync(
            database,
            "reminder-" + Guid.NewGuid().ToString("N")[..8],
            silos: 1,
            nativeStore: true,
            extraTypes: [new EntityRegistration(new NotifierHandler())],
            configureSilo: silo => silo.Services.Configure<WebhookOptions>(o => o.Timeout = TimeSpan.FromMinutes(2)));
        var entity = new EntityKey(NotifierHandler.TypeName, "n-" + Guid.NewGuid().ToString("N")[..8]);
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();

        // The first effect is delivered while the test holds the entity's reminder row: removing the
        // reminder once the outbox is empty then waits on that lock.
        receiver.HoldAnswers();
        await cluster.Client.SendAsync(Notify(entity, "m-1", receiver.Url));
        await Eventually.TrueAsync(async () => await RemindersAsync(sql, entity) == 1, "the first effect registered no reminder");
        await using var locker = new NpgsqlConnection(database);
        await locker.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM once_reminder WHERE grain_id LIKE '%{entity}' FOR UPDATE", locker, transaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        receiver.ReleaseAnswers();
        await Eventually.TrueAsync(
            async () => await Sql.CountAsync(sql, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") >= 1,
            "the reminder's removal never waited on the locked row");

        // Now a message emits a second effect, whose delivery hangs: it stays in the outbox.
        receiver.HoldAnswers();
        var second = cluster.Client.SendAsync(Notify(entity, "m-2", receiver.Url));
        // Without the protection it commits now, beside the blocked removal; with it, it waits for the removal.
        await Eventually.WithinAsync(() => second.IsCompleted, TimeSpan.FromSeconds(3));
        await transaction.CommitAsync();
        await second;

        await Eventually.TrueAsync(async () => await PendingAsync(sql, entity) == 1, "the second effect is not in the outbox");
        await Eventually.TrueAsync(
            async () => await RemindersAsync(sql, entity) == 1,
            "the outbox holds an entry but no reminder is registered: a crash now would strand it",
            TimeSpan.FromSeconds(10));
        receiver.ReleaseAnswers();
    }

    private static MessageEnvelope Notify(EntityKey entity, string id, Uri url) =>
        new(new MessageId(id), entity, "notify", $$"""{"url":"{{url}}"}""");

    private static Task<long> RemindersAsync(NpgsqlConnection sql, EntityKey entity) =>
        Sql.CountAsync(sql, $"SELECT count(*) FROM once_reminder WHERE grain_id LIKE '%{entity}'");

    private static Task<long> PendingAsync(NpgsqlConnection sql, EntityKey entity) =>
        Sql.CountAsync(sql, $"SELECT count(*) FROM once_outbox WHERE entity_key = '{entity}'");

    /// <summary>Every <c>notify</c> POSTs to the URL it names.</summary>
    private sealed class NotifierHandler : EntityHandler<NotifierHandler.Count>
    {
        public const string TypeName = "notifier";

        public NotifierHandler()
            : base(TypeName, new Count(0))
        {
            On<NotifyData>("notify", _ => null, (state, d) => Apply(new Count(state.N + 1), new Count(state.N + 1)).Call(new Uri(d.Url), new { n = state.N + 1 }));
        }

        public sealed record Count(int N);

        public sealed record NotifyData(string Url);
    }
}
