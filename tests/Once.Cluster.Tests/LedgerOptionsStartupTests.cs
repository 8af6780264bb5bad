using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Once.Hosting;

namespace Once.Cluster.Tests;

public sealed class LedgerOptionsStartupTests
{
    [Theory]
    [InlineData("Once:Ledger:MaxEntries", "0")]
    [InlineData("Once:Ledger:Retention", "-1.00:00:00")]
    [InlineData("Once:Ledger:Retention", "00:00:00")]
    public async Task BadLedgerSetting_SiloStart_FailsNamingTheSetting(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(key, value)]);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort()).AddOnceInMemory());
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
