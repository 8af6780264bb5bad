using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Once.Hosting;

namespace Once.Cluster.Tests;

/// <summary>A silo built with the engine alone (as the tests and the testing package build it) validates every feature's settings at start.</summary>
public sealed class EngineOptionsStartupTests
{
    [Theory]
    [InlineData("Once:Ledger:MaxEntries", "0")]
    [InlineData("Once:Ledger:Retention", "-1.00:00:00")]
    [InlineData("Once:Ledger:Retention", "00:00:00")]
    [InlineData("Once:Webhooks:MaxAttempts", "0")]
    [InlineData("Once:Webhooks:Timeout", "00:10:00")]
    [InlineData("Once:Streams:MaxAttempts", "0")]
    public async Task BadEngineSetting_SiloStart_FailsNamingTheSetting(string key, string value)
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
