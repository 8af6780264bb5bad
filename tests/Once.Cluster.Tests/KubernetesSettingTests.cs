using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Once.Client;
using Once.Hosting;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace Once.Cluster.Tests;

/// <summary>
/// <c>Once:Kubernetes</c> (silos only, default false) puts Orleans' Kubernetes hosting on a silo of a
/// PostgreSQL-clustered cluster: the silo takes its pod's name, deletes the pods of silos declared
/// dead, and still listens where <c>Once:ListenOnAnyAddress</c> says.
/// </summary>
public sealed class KubernetesSettingTests
{
    private const string Postgres = "Host=127.0.0.1;Database=once;Username=once";

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    public void Kubernetes_Load_BindsDefaultFalse(string? setting, bool expected)
    {
        var configuration = Configuration(("Once:Clustering", "Postgres"), ("Once:Kubernetes", setting));

        var options = OnceSiloOptions.Load(configuration, OnceOptions.Load(configuration));

        Assert.Equal(expected, options.Kubernetes);
    }

    [Fact]
    public void Kubernetes_LocalhostClustering_RefusedNamingBothSettings()
    {
        var configuration = Configuration(("Once:Kubernetes", "true"));

        var error = Assert.Throws<OnceConfigurationException>(() => OnceSiloOptions.Load(configuration, OnceOptions.Load(configuration)));

        Assert.Contains("Once:Kubernetes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Once:Clustering", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void Silo_KubernetesSetting_UsesOrleansKubernetesHostingOnlyWhenTrue(string? setting, bool expected)
    {
        using var host = Silo(("Once:Kubernetes", setting));

        // Orleans' Kubernetes hosting configures the silo through options of its own assembly.
        var kubernetes = host.Services.GetServices<IConfigureOptions<KubernetesHostingOptions>>().ToList();
        var hosting = new KubernetesHostingOptions();
        kubernetes.ForEach(c => c.Configure(hosting));

        Assert.Equal(expected, host.Services.GetServices<IConfigureOptions<SiloOptions>>().Any(c => c.GetType().Assembly == typeof(KubernetesHostingOptions).Assembly));
        Assert.Equal(expected, hosting.DeleteDefunctSiloPods);
    }

    [Theory]
    [InlineData(null, "10.1.2.3")]
    [InlineData("false", "10.1.2.3")]
    [InlineData("true", "0.0.0.0")]
    public void Silo_Kubernetes_ListensWhereListenOnAnyAddressSays(string? setting, string listening)
    {
        using var host = Silo(("Once:Kubernetes", "true"), ("Once:ListenOnAnyAddress", setting));

        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal(IPAddress.Parse("10.1.2.3"), endpoints.AdvertisedIPAddress);
        Assert.Equal(IPAddress.Parse(listening), endpoints.SiloListeningEndpoint?.Address);
        Assert.Equal(IPAddress.Parse(listening), endpoints.GatewayListeningEndpoint?.Address);
    }

    /// <summary>What the manifest's downward API gives a silo pod: the silo is named after its pod.</summary>
    [Fact]
    public void Silo_KubernetesInAPod_TakesThePodName()
    {
        var saved = (Name: Environment.GetEnvironmentVariable("POD_NAME"), Namespace: Environment.GetEnvironmentVariable("POD_NAMESPACE"));
        Environment.SetEnvironmentVariable("POD_NAME", "once-silo-1");
        Environment.SetEnvironmentVariable("POD_NAMESPACE", "once");
        try
        {
            using var host = Silo(("Once:Kubernetes", "true"));

            Assert.Equal("once-silo-1", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        }
        finally
        {
            Environment.SetEnvironmentVariable("POD_NAME", saved.Name);
            Environment.SetEnvironmentVariable("POD_NAMESPACE", saved.Namespace);
        }
    }

    private static IHost Silo(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddConfiguration(Configuration([("Once:Clustering", "Postgres"), ("Once:AdvertisedHost", "10.1.2.3"), .. settings]));
        builder.AddOnceSilo();
        return builder.Build();
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection([new("ConnectionStrings:Once", Postgres), .. settings.Where(s => s.Value is not null).Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))])
            .Build();
}
