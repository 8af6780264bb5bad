using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Once.Grains;
using Once.Hosting;
using Once.Samples;
using Once.Samples.Accounts;
using Orleans.TestingHost;

namespace Once.Postgres.Tests;

/// <summary>
/// An in-process cluster whose entity state lives in PostgreSQL through the Orleans ADO.NET provider.
/// Besides the sample domains it registers <c>accounts-nodedup</c> (no ledger) for negative controls.
/// </summary>
internal static class PostgresCluster
{
    public const string NoDedupAccounts = "accounts-nodedup";

    /// <summary>The defaults, except a short visibility timeout so a failed delivery comes back quickly in tests.</summary>
    public static OnceStreamOptions StreamOptions { get; } = new() { VisibilityTimeout = TimeSpan.FromSeconds(20), MaxDeliveryTime = TimeSpan.FromSeconds(10) };

    public static async Task<InProcessTestCluster> StartAsync(string connectionString, string serviceId, int silos = 2, bool streams = false)
    {
        connectionString = ShortLivedIdleConnections(connectionString);
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOnceEngine().AddAdoNetGrainStorage(
                EntityGrainNames.StorageName, o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            silo.Services.AddSampleDomains();
            silo.Services.AddOnceEntityType(new AccountsHandler(NoDedupAccounts), DeliveryGuarantee.AtLeastOnce);
            if (streams)
            {
                silo.AddOncePostgresStreams(connectionString, StreamOptions);
            }
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
}
