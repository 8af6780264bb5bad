using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Once.Abstractions;
using Once.Client;
using Once.Core;
using Once.Grains;
using Once.Hosting;
using Once.Hosting.Postgres;
using Once.Samples;
using Once.Samples.Accounts;
using Once.Testing;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Once.Postgres.Tests;

/// <summary>
/// An in-process cluster whose entity state lives in PostgreSQL through the Orleans ADO.NET provider.
/// Besides the sample domains it registers <c>accounts-nodedup</c> (no ledger) for negative controls
/// and <c>accounts-amo</c> (at most once) for the guarantee comparison.
/// </summary>
internal static class PostgresCluster
{
    public const string NoDedupAccounts = "accounts-nodedup";

    public const string AtMostOnceAccounts = "accounts-amo";

    /// <summary>A second storage provider with DeleteStateOnClear, to exercise DeleteStorageKey.</summary>
    public const string DeletingStorageName = "once-deleting";

    /// <summary>Failed stream deliveries of one message before the entity sets it aside (the product default is 5).</summary>
    public const int ConsumerMaxAttempts = 2;

    /// <summary>The real ADO.NET storage's name when <see cref="FaultInjectingGrainStorage"/> wraps it.</summary>
    private const string InnerStorageName = "once-adonet";

    /// <summary>
    /// The defaults, except a short visibility timeout and delivery time so a message whose delivery
    /// the agent gives up on comes back quickly. A failed delivery is first retried by the pulling agent
    /// itself, with a backoff that starts at about a second (1.5-2.5 s from publish to dead letter
    /// here); with <see cref="ConsumerMaxAttempts"/> the entity settles a poison message on that first
    /// retry, well inside MaxDeliveryTime, so the queue's lease and its own attempt count never come in.
    /// </summary>
    public static OnceStreamOptions StreamOptions { get; } = new() { VisibilityTimeout = TimeSpan.FromSeconds(20), MaxDeliveryTime = TimeSpan.FromSeconds(10) };

    /// <param name="faults">When given, entity writes go through a <see cref="FaultInjectingGrainStorage"/> armed by the test.</param>
    /// <param name="extraTypes">Entity types of the test itself (one instance per test, shared by its silos).</param>
    /// <param name="consumerMaxAttempts">See <see cref="ConsumerMaxAttempts"/>.</param>
    /// <param name="configureSilo">Runs last on every silo, to change what the lines above set up.</param>
    /// <param name="nativeStore">Entities in the native store (Once's own tables) instead of grain storage.</param>
    /// <param name="storeFaults">With <paramref name="nativeStore"/>: entity commits go through these armed faults.</param>
    public static async Task<InProcessTestCluster> StartAsync(
        string connectionString,
        string serviceId,
        int silos = 2,
        bool streams = false,
        StorageFaults? faults = null,
        IReadOnlyList<EntityRegistration>? extraTypes = null,
        int consumerMaxAttempts = ConsumerMaxAttempts,
        Action<ISiloBuilder>? configureSilo = null,
        bool nativeStore = false,
        EntityStoreFaults? storeFaults = null)
    {
        connectionString = ShortLivedIdleConnections(connectionString);
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            if (nativeStore)
            {
                silo.AddOncePostgresStore(connectionString);
                if (storeFaults is not null)
                {
                    silo.Services.AddSingleton<IEntityStoreProvider>(sp => storeFaults.Wrap(sp.GetRequiredService<PostgresEntityStores>()));
                }
            }

            silo.AddOnceEngine().AddAdoNetGrainStorage(
                faults is null ? EntityGrainNames.StorageName : InnerStorageName, o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            if (faults is not null)
            {
                silo.Services.AddGrainStorage(
                    EntityGrainNames.StorageName, (services, _) => new FaultInjectingGrainStorage(services.GetRequiredKeyedService<IGrainStorage>(InnerStorageName), faults));
            }

            silo.AddAdoNetGrainStorage(DeletingStorageName, o => (o.Invariant, o.ConnectionString, o.DeleteStateOnClear) = ("Npgsql", connectionString, true));
            silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            silo.Services.AddSampleDomains();
            silo.Services.AddOnceEntityType(new AccountsHandler(NoDedupAccounts), DeliveryGuarantee.AtLeastOnce);
            silo.Services.AddOnceEntityType(new AccountsHandler(AtMostOnceAccounts), DeliveryGuarantee.AtMostOnce);
            foreach (var type in extraTypes ?? [])
            {
                silo.Services.AddOnceEntityType(type.Handler, type.Guarantee);
            }

            silo.Services.Configure<StreamConsumerOptions>(o => o.MaxAttempts = consumerMaxAttempts);
            silo.Services.Configure<WebhookOptions>(WebhookReceiver.AllowLocal);
            if (streams)
            {
                silo.AddOncePostgresStreams(connectionString, StreamOptions);
            }

            configureSilo?.Invoke(silo);
        });
        if (streams)
        {
            builder.ConfigureClient(client => client.AddOncePostgresStreams(connectionString, StreamOptions));
        }

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// A stopped cluster's connections stay in Npgsql's pool, idle ones for 5 minutes by default. A
    /// cluster holds 20-40 of them (more with streams), and a full run of this assembly reached the
    /// server's max_connections with them; closed after a few idle seconds they do not pile up.
    /// </summary>
    private static string ShortLivedIdleConnections(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ConnectionIdleLifetime = 2, ConnectionPruningInterval = 1 }.ConnectionString;

    public static MessageEnvelope Deposit(EntityKey account, string id, decimal amount) =>
        new(new MessageId(id), account, "deposit", $"{{\"amount\":{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");

    public static MessageEnvelope Withdraw(EntityKey account, string id, decimal amount) =>
        new(new MessageId(id), account, "withdraw", $"{{\"amount\":{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");

    /// <summary>Rows in the stream queue and in the queue's own dead-letter table (each test has its own database).</summary>
    public static async Task<(long Queued, long QueueDeadLetters)> QueueRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM once_stream_message), (SELECT count(*) FROM once_stream_dead_letter)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
