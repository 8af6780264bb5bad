using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Once.Client;

namespace Once.Http.Tests;

/// <summary>
/// Silos in this process that talk over loopback TCP (the in-process test cluster's transport is in
/// memory, which no other process can reach), and a cluster client of them: the cluster a Once.Api
/// process can join.
/// </summary>
internal sealed class TcpCluster : IAsyncDisposable
{
    private readonly List<IHost> _hosts;
    private readonly IHost _client;

    private TcpCluster(List<IHost> hosts, IHost client, int gatewayPort, string clusterId)
    {
        _hosts = hosts;
        _client = client;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
    }

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    /// <summary>The first silo's gateway port.</summary>
    public int GatewayPort { get; }

    public string ServiceId => "once";

    public string ClusterId { get; }

    public static async Task<TcpCluster> StartAsync(int silos, Action<ISiloBuilder> configure)
    {
        var clusterId = "http-tests-" + Guid.NewGuid().ToString("N")[..8];
        var siloPorts = Enumerable.Range(0, silos).Select(_ => TestPorts.Free()).ToArray();
        var gatewayPorts = Enumerable.Range(0, silos).Select(_ => TestPorts.Free()).ToArray();
        var primary = new IPEndPoint(IPAddress.Loopback, siloPorts[0]);
        var hosts = new List<IHost>();
        for (var i = 0; i < silos; i++)
        {
            var (siloPort, gatewayPort) = (siloPorts[i], gatewayPorts[i]);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, primary, "once", clusterId);
                configure(silo);
            });
            var host = builder.Build();
            await host.StartAsync();
            hosts.Add(host);
        }

        var client = Host.CreateApplicationBuilder();
        client.Logging.SetMinimumLevel(LogLevel.Warning);
        client.UseOrleansClient(c => c.UseLocalhostClustering(gatewayPorts, "once", clusterId).AddOnceMemoryStreams().AddActivityPropagation());
        var clientHost = client.Build();
        await clientHost.StartAsync();
        return new TcpCluster(hosts, clientHost, gatewayPorts[0], clusterId);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in new[] { _client }.Concat(Enumerable.Reverse(_hosts)))
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
