using System.Net;
using System.Text;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The development server's pages for people: the Orleans dashboard at <c>/dashboard</c> (with
/// <c>Once:Dashboard=true</c>), behind the
/// <c>admin</c> scope when authentication is on, the API description at <c>/openapi/v1.json</c> and the
/// interactive page over it at <c>/docs</c>.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DevServerPagesTests
{
    private const string AdminKey = "dev-admin-key-0123456789", ReadKey = "dev-read-key-0123456789";

    [Fact]
    public async Task Dashboard_AdminScopeOnly_DocsAndDescriptionOpen()
    {
        var port = LocalCluster.FreePort();
        var output = new StringBuilder();
        using var process = StartupLogTests.Start(
            "Once.Server", output, "--urls", $"http://127.0.0.1:{port}", $"--Once:GatewayPort={LocalCluster.FreePort()}", $"--Once:SiloPort={LocalCluster.FreePort()}",
            "--Once:Dashboard=true", "--Once:Auth:Mode=ApiKey", $"--Once:Auth:ApiKeys:admin:Key={AdminKey}", "--Once:Auth:ApiKeys:admin:Scopes=admin",
            $"--Once:Auth:ApiKeys:reader:Key={ReadKey}", "--Once:Auth:ApiKeys:reader:Scopes=read");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await Eventually.TrueAsync(() => StartupLogTests.IsReadyAsync(http, port), $"the development server never got ready: {output}", TimeSpan.FromSeconds(60));

            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, "/dashboard/", key: null));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, "/dashboard/", ReadKey));
            using var dashboard = await SendAsync(http, "/dashboard/", AdminKey);
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, "/openapi/v1.json", key: null));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, "/docs", key: null));
        }
        finally
        {
            await StartupLogTests.StopAsync(process);
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path, string? key)
    {
        using var response = await SendAsync(http, path, key);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return http.SendAsync(request);
    }
}
