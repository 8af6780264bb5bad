namespace Once.Http;

/// <summary>
/// The <c>healthcheck [url]</c> command: exits 0 when the URL (default the container's
/// <c>http://127.0.0.1:8080/health/ready</c>) answers 2xx, 1 otherwise. Container images need no curl.
/// </summary>
public static class OnceHealthProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var url = args.Length > 1 ? args[1] : "http://127.0.0.1:8080/health/ready";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"{url}: {e.Message}");
            return 1;
        }
    }
}
