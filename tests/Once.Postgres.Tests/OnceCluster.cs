using Microsoft.Extensions.DependencyInjection;
using Once.Grains;
using Once.Hosting;
using Once.Samples;
using Orleans.TestingHost;

namespace Once.Postgres.Tests;

/// <summary>
/// Starts in-process Once clusters whose entity storage is the real Orleans ADO.NET provider on a
/// test database. A fixed service id lets a later cluster reopen what an earlier one stored.
/// </summary>
internal static class OnceCluster
{
    /// <summary>A second storage provider with DeleteStateOnClear, to exercise DeleteStorageKey.</summary>
    public const string DeletingStorageName = "once-deleting";

    public static async Task<InProcessTestCluster> StartAsync(string connectionString, string serviceId, short silos = 2)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOnceEngine();
            silo.AddAdoNetGrainStorage(EntityGrainNames.StorageName, options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(DeletingStorageName, options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
                options.DeleteStateOnClear = true;
            });
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.Services.AddSampleDomains();
        });
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

    public static MessageEnvelope Deposit(string messageId, EntityKey entity, int amount) =>
        new(new MessageId(messageId), entity, "deposit", $"{{\"amount\":{amount}}}");

    public static MessageEnvelope Withdraw(string messageId, EntityKey entity, int amount) =>
        new(new MessageId(messageId), entity, "withdraw", $"{{\"amount\":{amount}}}");
}
