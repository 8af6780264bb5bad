using Npgsql;

namespace Once.Postgres.Tests;

/// <summary>The clustering query texts against the contract of Microsoft.Orleans.Clustering.AdoNet.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipQueryTests(PostgresServer postgres)
{
    private const string Cluster = "test-cluster";

    [Fact]
    public async Task InsertVersionRow_Twice_CreatesOnceAndReportsIt()
    {
        await using var connection = await OpenAsync();

        var first = await SingleBooleanAsync(connection, "InsertMembershipVersionKey", new() { ["DeploymentId"] = Cluster });
        var second = await SingleBooleanAsync(connection, "InsertMembershipVersionKey", new() { ["DeploymentId"] = Cluster });
        var all = await Sql.RunAsync(connection, "MembershipReadAllKey", new() { ["DeploymentId"] = Cluster });

        Assert.True(first);
        Assert.False(second);
        Assert.Null(Assert.Single(all)["StartTime"]);
    }

    [Fact]
    public async Task InsertMember_WithCurrentVersion_BumpsVersion_StaleVersionChangesNothing()
    {
        await using var connection = await OpenAsync();
        await SingleBooleanAsync(connection, "InsertMembershipVersionKey", new() { ["DeploymentId"] = Cluster });

        var inserted = await SingleBooleanAsync(connection, "InsertMembershipKey", Member(port: 11111, version: 0));
        var stale = await SingleBooleanAsync(connection, "InsertMembershipKey", Member(port: 11112, version: 0));
        var all = await Sql.RunAsync(connection, "MembershipReadAllKey", new() { ["DeploymentId"] = Cluster });

        Assert.True(inserted);
        Assert.False(stale);
        var row = Assert.Single(all);
        Assert.Equal(1, Convert.ToInt32(row["Version"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(11111, Convert.ToInt32(row["Port"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task IAmAlive_DoesNotChangeTheVersion_AndGatewaysListOnlyActiveProxies()
    {
        await using var connection = await OpenAsync();
        await SingleBooleanAsync(connection, "InsertMembershipVersionKey", new() { ["DeploymentId"] = Cluster });
        await SingleBooleanAsync(connection, "InsertMembershipKey", Member(port: 11111, version: 0, status: 3, proxyPort: 30001));
        await SingleBooleanAsync(connection, "InsertMembershipKey", Member(port: 11112, version: 1, status: 2, proxyPort: 30002));
        await SingleBooleanAsync(connection, "InsertMembershipKey", Member(port: 11113, version: 2, status: 3, proxyPort: 0));

        await Sql.RunAsync(connection, "UpdateIAmAlivetimeKey", new()
        {
            ["DeploymentId"] = Cluster, ["Address"] = "127.0.0.1", ["Port"] = 11111, ["Generation"] = 1, ["IAmAliveTime"] = DateTime.UtcNow,
        });
        var all = await Sql.RunAsync(connection, "MembershipReadAllKey", new() { ["DeploymentId"] = Cluster });
        var gateways = await Sql.RunAsync(connection, "GatewaysQueryKey", new() { ["DeploymentId"] = Cluster, ["Status"] = 3 });

        Assert.Equal(3, all.Count);
        Assert.All(all, row => Assert.Equal(3, Convert.ToInt32(row["Version"], System.Globalization.CultureInfo.InvariantCulture)));
        var gateway = Assert.Single(gateways);
        Assert.Equal(30001, Convert.ToInt32(gateway["ProxyPort"], System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(await postgres.CreateDatabaseAsync());
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<bool> SingleBooleanAsync(NpgsqlConnection connection, string key, Dictionary<string, object?> parameters)
    {
        var row = (await Sql.RunAsync(connection, key, parameters)).First();
        Assert.Single(row);
        return Convert.ToBoolean(row.Values.Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, object?> Member(int port, int version, int status = 2, int proxyPort = 30000) => new()
    {
        ["DeploymentId"] = Cluster,
        ["IAmAliveTime"] = DateTime.UtcNow,
        ["SiloName"] = $"silo-{port}",
        ["HostName"] = "host",
        ["Address"] = "127.0.0.1",
        ["Port"] = port,
        ["Generation"] = 1,
        ["StartTime"] = DateTime.UtcNow,
        ["Status"] = status,
        ["ProxyPort"] = proxyPort,
        ["Version"] = version,
    };
}
