using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Once.Abstractions;
using Once.Client;
using Once.Hosting;
using Once.Samples;
using Orleans.Runtime.Messaging;

namespace Once.Cluster.Tests;

/// <summary>
/// <c>Once:Tls</c>: a silo over mutual TLS takes clients whose certificate chains to the cluster's
/// trust root, and refuses a plaintext client and a client whose certificate another CA signed.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TestCertificates _cluster = new("Once test cluster CA");
    private readonly TestCertificates _other = new("Another CA");
    private readonly int _siloPort = TestPorts.Free();
    private readonly int _gatewayPort = TestPorts.Free();
    private IHost? _silo;

    public async Task InitializeAsync()
    {
        var (certificate, key) = _cluster.Issue("silo");
        _silo = await StartSiloAsync(_siloPort, _gatewayPort, Tls(certificate, key, _cluster.TrustRoot));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
        }

        _cluster.Dispose();
        _other.Dispose();
    }

    [Fact]
    public async Task ClientWithACertificateOfTheClusterCa_Joins_SendsAndReads()
    {
        var (certificate, key) = _cluster.Issue("client");
        using var client = await StartClientAsync(_gatewayPort, Tls(certificate, key, _cluster.TrustRoot));
        var grains = client.Client;
        var account = new EntityKey("accounts", "tls-" + Guid.NewGuid().ToString("N"));

        var outcome = await grains.SendAsync(new MessageEnvelope(new MessageId("d-1"), account, "deposit", """{"amount":5}"""));
        var snapshot = await grains.GetEntityAsync(account);

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.Equal(1, snapshot!.Version);
    }

    [Fact]
    public async Task PlaintextClient_Refused()
    {
        await Assert.ThrowsAsync<ConnectionFailedException>(() => StartClientAsync(_gatewayPort, []));
    }

    [Fact]
    public async Task ClientWithACertificateOfAnotherCa_Refused_EvenTrustingTheCluster()
    {
        // The client trusts both roots (its own certificate's and the silo's), so only the silo's check
        // of the client can refuse it.
        var (certificate, key) = _other.Issue("intruder");
        var bothRoots = Path.Combine(_other.Directory, "both.pem");
        await File.WriteAllTextAsync(bothRoots, await File.ReadAllTextAsync(_cluster.TrustRoot) + "\n" + await File.ReadAllTextAsync(_other.TrustRoot));

        await Assert.ThrowsAsync<ConnectionFailedException>(() => StartClientAsync(_gatewayPort, Tls(certificate, key, bothRoots)));
    }

    [Fact]
    public async Task PlaintextSilo_PlaintextClient_Joins()
    {
        // The control: the plaintext client of the test above is refused by TLS, not by its own setup.
        var (siloPort, gatewayPort) = (TestPorts.Free(), TestPorts.Free());
        using var silo = await StartSiloAsync(siloPort, gatewayPort, []);
        using var client = await StartClientAsync(gatewayPort, []);

        var outcome = await client.Client.SendAsync(
            new MessageEnvelope(new MessageId("d-1"), new EntityKey("accounts", "plain-" + Guid.NewGuid().ToString("N")), "deposit", """{"amount":5}"""));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        await silo.StopAsync();
    }

    [Fact]
    public void Settings_CertificateOfAnotherCa_RefusedAtStartNamingTheSettings()
    {
        var (certificate, key) = _other.Issue("misissued");
        var settings = new TlsSettings { Enabled = true, Certificate = certificate, Key = key, TrustRoot = _cluster.TrustRoot };

        var problem = Assert.Single(settings.Validate());

        Assert.StartsWith($"Once:Tls:Certificate '{certificate}' (CN=misissued) does not chain to Once:Tls:TrustRoot", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(TlsSettings.Certificate), "Once:Tls:Certificate is required when Once:Tls:Enabled is true.")]
    [InlineData(nameof(TlsSettings.TrustRoot), "Once:Tls:TrustRoot is required when Once:Tls:Enabled is true.")]
    public void Settings_Missing_RefusedNamingTheSetting(string missing, string expected)
    {
        var (certificate, key) = _cluster.Issue("partial");
        var settings = new TlsSettings
        {
            Enabled = true,
            Certificate = missing == nameof(TlsSettings.Certificate) ? null : certificate,
            Key = key,
            TrustRoot = missing == nameof(TlsSettings.TrustRoot) ? null : _cluster.TrustRoot,
        };

        Assert.Equal([expected], settings.Validate());
    }

    [Fact]
    public void Settings_CertificateWithoutItsKey_RefusedNamingTheKeySetting()
    {
        var (certificate, _) = _cluster.Issue("keyless");

        var problem = Assert.Single(new TlsSettings { Enabled = true, Certificate = certificate, TrustRoot = _cluster.TrustRoot }.Validate());

        Assert.Contains("Once:Tls:", problem, StringComparison.Ordinal);
        Assert.Contains(certificate, problem, StringComparison.Ordinal);
    }

    private static KeyValuePair<string, string?>[] Tls(string certificate, string key, string trustRoot) => ClientHost.Tls(certificate, key, trustRoot);

    private static async Task<IHost> StartSiloAsync(int siloPort, int gatewayPort, KeyValuePair<string, string?>[] tls)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([
            new("Once:SiloPort", siloPort.ToString(CultureInfo.InvariantCulture)),
            new("Once:GatewayPort", gatewayPort.ToString(CultureInfo.InvariantCulture)),
            .. tls,
        ]);
        builder.Services.AddSampleDomains();
        builder.AddOnceSilo();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static Task<ClientHost> StartClientAsync(int gatewayPort, KeyValuePair<string, string?>[] tls) =>
        ClientHost.StartAsync([new("Once:GatewayPort", gatewayPort.ToString(CultureInfo.InvariantCulture)), .. tls]);
}
