using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Once.Abstractions;
using Once.Client;
using Once.Core;
using Once.Grains;
using Once.Samples.Accounts;
using Orleans.Providers.Streams.Common;
using Orleans.TestingHost;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>
/// A message the durable queue itself dead-letters (here: expired before any silo took it) is listed by
/// the dead-letter store with source <c>queue</c> next to the entities' own dead letters, and a requeue
/// applies it once and deletes the queue's row. Without the queue's dead letters in the store the same
/// row is out of sight: the silent loss this closes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueDeadLetterTests(PostgresServer postgres)
{
    [Fact]
    public async Task QueueExpiredMessage_ListedWithOwnDeadLetters_RequeueAppliesOnceAndDeletesRow()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartPausedAsync(database, listQueueDeadLetters: true);
        var store = cluster.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var own = new DeadLetter(
            "own-" + Guid.NewGuid().ToString("N"), Deposit(NewAccount(), "own-1", 1m), "the handler failed", "stream", 2, DateTimeOffset.UtcNow.AddHours(-1));
        await cluster.Client.GetGrain<IDeadLetterWriterGrain>(IDeadLetterGrain.Key).AddAsync(own);
        var published = await PublishAndExpireAsync(cluster, database);

        var page = await store.ListAsync(0, 50);
        var firstOnly = await store.ListAsync(0, 1);
        var secondOnly = await store.ListAsync(1, 1);

        Assert.Equal((2, 2, own.Id), (page.Total, firstOnly.Total, Assert.Single(firstOnly.Items).Id));
        Assert.Equal(own, page.Items[0]);
        var queued = page.Items[1];
        Assert.Equal(("queue", 0, published), (queued.Source, queued.Attempts, queued.Envelope));
        Assert.StartsWith("expired:", queued.Reason, StringComparison.Ordinal);
        Assert.Matches("^q-[A-Za-z0-9_-]+\\.[0-9]+$", queued.Id);
        Assert.Equal((2, queued), (secondOnly.Total, Assert.Single(secondOnly.Items)));
        Assert.Equal(queued, await store.GetAsync(queued.Id));

        // A requeue as POST /v1/dead-letters/{id}/requeue does it: send the envelope, remove it once terminal.
        var requeued = await cluster.Client.SendAsync(queued.Envelope);
        Assert.Equal((OutcomeStatus.Applied, 1L, false), (requeued.Status, requeued.Version, requeued.Replayed));
        Assert.True(await store.RemoveAsync(queued.Id));

        Assert.Equal((0L, 0L), await QueueRowsAsync(database));
        Assert.Null(await store.GetAsync(queued.Id));
        Assert.False(await store.RemoveAsync(queued.Id));
        var after = await store.ListAsync(0, 50);
        Assert.Equal((1, own), (after.Total, Assert.Single(after.Items)));

        // A second requeue (a double click) finds the ledger entry: replayed, not applied again.
        var again = await cluster.Client.SendAsync(queued.Envelope);
        Assert.Equal((OutcomeStatus.Applied, 1L, true), (again.Status, again.Version, again.Replayed));
        Assert.Equal(1L, (await cluster.Client.GetEntityAsync(published.Entity))!.Version);
    }

    [Fact]
    public async Task QueueExpiredMessage_QueueDeadLettersNotRegistered_NegativeControlNotListed()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartPausedAsync(database, listQueueDeadLetters: false);
        var store = cluster.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);

        await PublishAndExpireAsync(cluster, database);

        var page = await store.ListAsync(0, 50);
        Assert.Equal((0, 0, (0L, 1L)), (page.Total, page.Items.Count, await QueueRowsAsync(database)));
    }

    private static EntityKey NewAccount() => new("accounts", "qdl-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// A cluster on the PostgreSQL queue whose pulling agents are stopped, so a published message stays
    /// in the queue until the test moves it. Optionally without the queue's dead letters in the store.
    /// </summary>
    private static async Task<InProcessTestCluster> StartPausedAsync(string database, bool listQueueDeadLetters)
    {
        var cluster = await StartAsync(database, "queue-dl-" + Guid.NewGuid().ToString("N")[..8], streams: true, configureSilo: silo =>
        {
            if (!listQueueDeadLetters)
            {
                silo.Services.RemoveAll<IQueueDeadLetters>();
            }
        });

        // Stopped by command, not by StreamLifecycleOptions.StartupState: a silo joining later hands
        // queues to agents that were only initialized, never started; a stopped manager ignores that.
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        await management.SendControlCommandToProvider<PersistentStreamProvider>(OnceStreams.ProviderName, (int)PersistentStreamProviderCommand.StopAgents);
        var running = await management.SendControlCommandToProvider<PersistentStreamProvider>(
            OnceStreams.ProviderName, (int)PersistentStreamProviderCommand.GetNumberRunningAgents);
        Assert.All(running, agents => Assert.Equal(0, agents));
        return cluster;
    }

    /// <summary>
    /// Publishes a deposit through the real provider, then expires it the way the queue does: its expiry
    /// passes, and the eviction moves the row to the queue's dead letters with reason 'expired'.
    /// </summary>
    private static async Task<MessageEnvelope> PublishAndExpireAsync(InProcessTestCluster cluster, string database)
    {
        var message = Deposit(NewAccount(), "q-1", 5m);
        var publisher = new EntityStreamPublisher(cluster.Client);
        Assert.True((await publisher.PublishAsync(message)).Accepted);
        Assert.Equal((1L, 0L), await QueueRowsAsync(database));

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            UPDATE once_stream_message SET expires_on = now();
            WITH evicted AS (DELETE FROM once_stream_message AS m WHERE m.expires_on <= now() RETURNING m.*)
            INSERT INTO once_stream_dead_letter
                (service_id, provider_id, queue_id, message_id, dequeued, visible_on, expires_on, created_on,
                 modified_on, payload, reason, remove_on)
            SELECT v.service_id, v.provider_id, v.queue_id, v.message_id, v.dequeued, v.visible_on, v.expires_on,
                   v.created_on, v.modified_on, v.payload, 'expired', now() + interval '7 days'
              FROM evicted AS v;
            """,
            connection);
        await command.ExecuteNonQueryAsync();
        Assert.Equal((0L, 1L), await QueueRowsAsync(database));
        return message;
    }
}
