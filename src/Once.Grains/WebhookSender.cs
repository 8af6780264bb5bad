using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// Sends HTTP effects: a JSON POST carrying the effect id as <c>Idempotency-Key</c>, to targets the
/// settings allow only (<see cref="WebhookOptions"/>). Redirects are not followed and no proxy is
/// used, so the address checked is the address contacted.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly WebhookOptions _options;
    private readonly WebhookTargets _targets;
    private readonly HttpClient _http;

    public WebhookSender(IOptions<WebhookOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _targets = new WebhookTargets(_options);
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectCallback = ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
    }

    /// <summary>
    /// Returns the status code. Throws <see cref="WebhookTargetRefusedException"/> when the target is
    /// not allowed (nothing was sent), and another exception when no answer came (network error, timeout).
    /// </summary>
    public async Task<int> PostAsync(HttpEffect call, MessageId effectId)
    {
        ArgumentNullException.ThrowIfNull(call);
        var url = Uri.TryCreate(call.Url, UriKind.Absolute, out var parsed)
            ? parsed
            : throw new WebhookTargetRefusedException($"'{call.Url}' is not an absolute URL.");
        if (_targets.Refusal(url) is { } refusal)
        {
            throw new WebhookTargetRefusedException(refusal);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(call.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("Idempotency-Key", effectId.Value);
        using var timeout = new CancellationTokenSource(_options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException e) when (e.InnerException is WebhookTargetRefusedException refused)
        {
            throw new WebhookTargetRefusedException(refused.Message, e);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Resolves the host and connects to its first allowed address; refuses when none is allowed.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => _targets.Refusal(a) is null).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookTargetRefusedException(addresses.Length == 0
                ? $"'{host}' resolves to no address."
                : $"'{host}' resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}: {_targets.Refusal(addresses[0])}");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
