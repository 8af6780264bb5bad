using System.Net;
using System.Net.Http.Json;
using Once.Abstractions;
using Orleans.Runtime.Messaging;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// <c>ONCE_TLS=1 deploy/local-cluster.sh start</c>: three silos and the API on mutual TLS with a
/// throwaway CA the script makes with openssl. The API serves through its TLS connections; a client
/// with the script's certificate joins; a plaintext client and a client whose certificate another CA
/// signed cannot. A silo started again keeps to TLS.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TlsClusterTests(PostgresServer postgres)
{
    [Fact]
    public async Task ClusterOverTls_ApiAndClientsOfTheClusterCaServed_PlaintextAndOtherCaRefused()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await LocalCluster.StartAsync(database, new Dictionary<string, string> { ["ONCE_TLS"] = "1" });
        var (exitCode, output) = await cluster.ScriptAsync("tls-dir");
        var tls = output.Trim();
        Assert.Equal(0, exitCode);
        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(60));
        var account = "tls-" + Guid.NewGuid().ToString("N")[..8];

        using var deposit = await PostAsync(http, account, "d-1");
        Assert.Equal(HttpStatusCode.OK, deposit.StatusCode);

        using (var client = await ClientHost.StartAsync([.. Cluster(database), .. ClientHost.Tls(Path.Combine(tls, "api.pem"), Path.Combine(tls, "api.key"), Path.Combine(tls, "ca.pem"))]))
        {
            var snapshot = await client.Client.GetEntityAsync(new EntityKey("accounts", account));
            Assert.Equal(1, snapshot!.Version);
        }

        await Assert.ThrowsAsync<ConnectionFailedException>(() => ClientHost.StartAsync(Cluster(database)));

        using var other = new TestCertificates("Another CA");
        var (certificate, key) = other.Issue("intruder");
        var bothRoots = Path.Combine(other.Directory, "both.pem");
        await File.WriteAllTextAsync(bothRoots, await File.ReadAllTextAsync(Path.Combine(tls, "ca.pem")) + "\n" + await File.ReadAllTextAsync(other.TrustRoot));
        await Assert.ThrowsAsync<ConnectionFailedException>(() => ClientHost.StartAsync([.. Cluster(database), .. ClientHost.Tls(certificate, key, bothRoots)]));

        // A silo started again on the same cluster folder runs over TLS too, and serves.
        await cluster.ScriptAsync("kill-silo", "2");
        Assert.Equal(0, (await cluster.ScriptAsync("start-silo", "2")).ExitCode);
        Assert.Equal(0, (await cluster.ScriptAsync("status")).ExitCode);
        using var again = await PostAsync(http, account, "d-2");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    /// <summary>The cluster settings the script gives its processes.</summary>
    private static KeyValuePair<string, string?>[] Cluster(string database) =>
    [
        new("Once:Storage", "Postgres"),
        new("Once:Clustering", "Postgres"),
        new("Once:ServiceId", "once"),
        new("Once:ClusterId", "local"),
        new("ConnectionStrings:Once", database),
    ];

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string account, string messageId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/accounts/{account}/messages")
        {
            Content = JsonContent.Create(new { type = "deposit", data = new { amount = 5 } }),
        };
        request.Headers.Add("Idempotency-Key", messageId);
        return http.SendAsync(request);
    }
}
