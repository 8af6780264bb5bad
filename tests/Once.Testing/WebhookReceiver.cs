using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Once.Testing;

/// <summary>
/// A local HTTP endpoint that records every POST it gets (Idempotency-Key and body) and answers with a
/// scripted status: <c>failFirst</c> times the failure status, then 200.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly int _failFirst;
    private readonly int _failureStatus;
    private int _received;

    public WebhookReceiver(int failFirst, int failureStatus = 503)
    {
        _failFirst = failFirst;
        _failureStatus = failureStatus;
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/hook/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    /// <summary>From now on answer 200, whatever the script said.</summary>
    public bool Accepting { get; set; }

    public ConcurrentQueue<(string? Key, string Body, int Answered)> Requests { get; } = new();

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Increment(ref _received) <= _failFirst && !Accepting ? _failureStatus : 200;
            Requests.Enqueue((context.Request.Headers["Idempotency-Key"], body, status));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
