using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Once.Abstractions;

namespace Once.Grains;

/// <summary>Sends HTTP effects: a JSON POST carrying the effect id as <c>Idempotency-Key</c>.</summary>
public sealed class WebhookSender(HttpClient http, IOptions<WebhookOptions> options)
{
    /// <summary>Returns the status code; throws when no answer came (network error, timeout).</summary>
    public async Task<int> PostAsync(HttpEffect call, MessageId effectId)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(call.Url))
        {
            Content = new StringContent(call.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("Idempotency-Key", effectId.Value);
        using var timeout = new CancellationTokenSource(options.Value.Timeout);
        using var response = await http.SendAsync(request, timeout.Token);
        return (int)response.StatusCode;
    }
}
