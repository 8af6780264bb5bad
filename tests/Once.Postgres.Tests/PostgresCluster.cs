using Microsoft.Extensions.DependencyInjection;
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
        await cluster.DeployAsync();
        return cluster;
    }

    public static MessageEnvelope Deposit(EntityKey account, string id, decimal amount) =>
        new(new MessageId(id), account, "deposit", $"{{\"amount\":{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");
}
