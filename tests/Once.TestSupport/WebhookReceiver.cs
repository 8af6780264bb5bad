using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Once.Grains;

namespace Once.TestSupport;

/// <summary>
/// A local HTTP endpoint standing in for a webhook receiver: it records every POST it gets
/// (Idempotency-Key, body and the status it answered) and answers with <see cref="Status"/>, which a
/// test changes to break or fix the receiver. <see cref="FailNext"/> scripts a few failures first;
/// <see cref="HoldAnswers"/> keeps requests waiting until <see cref="ReleaseAnswers"/>, so a test can
/// order an answer after another event.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _status;
    private int _failuresLeft;
    private int _failureStatus;
    private TaskCompletionSource? _hold;

    public WebhookReceiver(int status = 200)
    {
        _status = status;
        Url = new Uri($"http://127.0.0.1:{FreePort()}/hook/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    /// <summary>The webhook settings that let a silo call receivers on this machine (plain HTTP on loopback).</summary>
    public static IReadOnlyDictionary<string, string> LocalSettings { get; } = new Dictionary<string, string>
    {
        [$"{WebhookOptions.SectionName}:AllowedHosts:0"] = "127.0.0.1",
        [$"{WebhookOptions.SectionName}:AllowHttp"] = "true",
        [$"{WebhookOptions.SectionName}:AllowPrivateNetworks"] = "true",
    };

    /// <summary>Lets a silo call receivers on this machine (<see cref="LocalSettings"/>).</summary>
    public static void AllowLocal(WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AllowedHosts = ["127.0.0.1"];
        options.AllowHttp = true;
        options.AllowPrivateNetworks = true;
    }

    /// <summary>The status code the next requests get (after any scripted failures).</summary>
    public int Status
    {
        get => Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, value);
    }

    public ConcurrentQueue<(string? Key, string Body, int Answered)> Requests { get; } = new();

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/>, then <see cref="Status"/> again.</summary>
    public void FailNext(int count, int status)
    {
        Volatile.Write(ref _failureStatus, status);
        Volatile.Write(ref _failuresLeft, count);
    }

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

            var status = Interlocked.Decrement(ref _failuresLeft) >= 0 ? Volatile.Read(ref _failureStatus) : Status;
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
