using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Once.Client;

namespace Once.TestSupport;

/// <summary>A front end's cluster client, built as users build it (<c>AddOnceClient</c>) from the given settings.</summary>
public sealed class ClientHost : IDisposable
{
    private readonly IHost _host;

    private ClientHost(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Starts a client; throws what its start throws (a refused connection: Orleans'
    /// ConnectionFailedException). A client that cannot connect gives up after about a second.
    /// </summary>
    public static async Task<ClientHost> StartAsync(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("Once:DatabaseWaitTimeout", "00:00:01"), .. settings]);
        builder.AddOnceClient();
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return new ClientHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>The settings that turn on mutual TLS with these files.</summary>
    public static KeyValuePair<string, string?>[] Tls(string certificate, string key, string trustRoot) =>
    [
        new("Once:Tls:Enabled", "true"),
        new("Once:Tls:Certificate", certificate),
        new("Once:Tls:Key", key),
        new("Once:Tls:TrustRoot", trustRoot),
    ];

    public void Dispose()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }
}
