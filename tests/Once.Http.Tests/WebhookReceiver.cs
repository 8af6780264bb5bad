using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Once.Http.Tests;

/// <summary>
/// A local HTTP endpoint standing in for a webhook receiver: it records every POST it gets
/// (Idempotency-Key, body and the status it answered) and answers with <see cref="Status"/>, which a
/// test changes to break or fix the receiver. <see cref="HoldAnswers"/> makes it keep requests
/// waiting until <see cref="ReleaseAnswers"/>, so a test can order its answer after another event.
/// </summary>
internal sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _status;
    private TaskCompletionSource? _hold;

    public WebhookReceiver(int status)
    {
        _status = status;
        Url = new Uri($"http://127.0.0.1:{FreePort()}/hook/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    /// <summary>The status code the next requests get.</summary>
    public int Status
    {
        get => Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, value);
    }

    public ConcurrentQueue<(string? Key, string Body, int Answered)> Requests { get; } = new();

    /// <summary>From now on, requests wait for <see cref="ReleaseAnswers"/> before they are answered.</summary>
    public void HoldAnswers() => Volatile.Write(ref _hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void ReleaseAnswers() => Interlocked.Exchange(ref _hold, null)?.TrySetResult();

    public void Dispose()
    {
        ReleaseAnswers();
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            if (Volatile.Read(ref _hold) is { } hold)
            {
                await hold.Task;
            }

            var status = Status;
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
