using Once.Client;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Once.Hosting;

namespace Once.Benchmarks;

/// <summary>
/// One real <c>Once.Api</c> process (its own build, started with <c>dotnet Once.Api.dll</c> as
/// deploy/local-cluster.sh starts it, from its output folder so it reads its own appsettings.json)
/// as an Orleans client of a <see cref="SiloCluster"/>, found through the PostgreSQL membership
/// table; and an HttpClient with a connection for every worker, that posts deposits with the HTTP
/// contract of the README.
/// </summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private bool _disposed;

    private ApiProcess(Process process, HttpClient http)
    {
        _process = process;
        _http = http;
    }

    public int Pid => _process.Id;

    /// <param name="connections">At least the most workers that post at once, so no request waits for a connection.</param>
    public static async Task<ApiProcess> StartAsync(SiloCluster cluster, string connectionString, string logDirectory, int connections)
    {
        var dll = typeof(ApiProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OnceApi").Value!;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"Once.Api is not built at {dll}; build benchmarks/Once.Benchmarks, which builds it.");
        }

        Directory.CreateDirectory(logDirectory);
        var port = LocalPorts.Free(1)[0];
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll) };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string>
        {
            // Storage too, as local-cluster.sh sets it: the client's stream provider follows it and must match the silos'.
            ["Once__Storage"] = nameof(StorageKind.Postgres),
            ["Once__Clustering"] = nameof(ClusteringKind.Postgres),
            ["Once__ServiceId"] = cluster.ServiceId,
            ["Once__ClusterId"] = cluster.ClusterId,
            [OnceOptions.ConnectionStringVariable] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            // As deployed: every request carries an API key (one SHA-256 and a constant-time compare).
            ["Once__Auth__Mode"] = "ApiKey",
            [$"Once__Auth__ApiKeys__benchmark__Key"] = BenchmarkKey,
            [$"Once__Auth__ApiKeys__benchmark__Scopes"] = "send,read",
            // One key carries the whole load, far above the default limit per caller: measure the API, not its limiter.
            ["Once__RateLimit__Permits"] = "0",
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = Path.Combine(logDirectory, $"{cluster.ServiceId}-api.log");
        var process = await ChildProcess.StartAsync(start, log, new Uri($"http://127.0.0.1:{port}/health/ready"), "Once.Api");
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", BenchmarkKey);
        return new ApiProcess(process, http);
    }

    /// <summary>The API key of the benchmark's API process (a throwaway process on loopback).</summary>
    private const string BenchmarkKey = "benchmark-key-0123456789abcdef";

    /// <summary>
    /// <c>POST /v1/entities/{type}/{id}/messages</c> with the message id as <c>Idempotency-Key</c>;
    /// any answer but 2xx throws, and the closed loop counts it as failed.
    /// </summary>
    public async Task DepositAsync(string messageId, string type, string account, decimal amount)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(account)}/messages")
        {
            Content = new StringContent(
                $"{{\"type\":\"deposit\",\"data\":{{\"amount\":{amount.ToString(CultureInfo.InvariantCulture)}}}}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", messageId);
        using var response = await _http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{messageId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _http.Dispose();
            ChildProcess.Stop([_process]);
        }

        return ValueTask.CompletedTask;
    }
}
