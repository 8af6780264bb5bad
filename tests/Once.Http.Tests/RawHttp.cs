using System.Net.Sockets;
using System.Text;

namespace Once.Http.Tests;

/// <summary>
/// Requests written byte by byte to a real Kestrel server, for what HttpClient will not send: broken
/// framing, dot segments, lowercase methods, oversized heads.
/// </summary>
internal static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? ContentType => Headers.GetValueOrDefault("content-type");
    }

    /// <summary>Sends the bytes, optionally closes the sending side (the server sees the end of input), and reads one whole response.</summary>
    public static async Task<Response> SendAsync(Uri server, byte[] request, bool endInput = false)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request);
        if (endInput)
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        Response? response;
        while ((response = TryParse(received.ToArray())) is null)
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            if (read == 0)
            {
                throw new IOException($"The server closed the connection before a whole response: {Encoding.UTF8.GetString(received.ToArray())}");
            }

            received.Write(buffer, 0, read);
        }

        return response;
    }

    /// <summary>
    /// Sends a request written as text (lines end in \n). Against an API that asks for a key
    /// (<see cref="OnceHttpFixture.ApiKey"/>), the key goes in a header after the request line.
    /// </summary>
    public static Task<Response> SendAsync(Uri server, string head, string body = "", bool endInput = false)
    {
        if (OnceHttpFixture.ApiKey is { } key && head.IndexOf('\n', StringComparison.Ordinal) is var end and >= 0)
        {
            head = head.Insert(end + 1, $"X-Api-Key: {key}\n");
        }

        return SendAsync(server, Encoding.UTF8.GetBytes(head.Replace("\n", "\r\n", StringComparison.Ordinal) + body), endInput);
    }

    /// <summary>The response once its head and whole body (by Content-Length or chunks) are in; null before.</summary>
    private static Response? TryParse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return null;
        }

        var lines = text[..split].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = text[(split + 4)..];
        if (headers.GetValueOrDefault("transfer-encoding") == "chunked")
        {
            return Dechunk(body) is { } whole ? new Response(status, headers, whole) : null;
        }

        var length = int.Parse(headers.GetValueOrDefault("content-length", "0"), System.Globalization.CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetByteCount(body) >= length ? new Response(status, headers, body) : null;
    }

    private static string? Dechunk(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var end = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (end < 0)
            {
                return null;
            }

            var size = Convert.ToInt32(body[at..end], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            if (body.Length < end + 2 + size + 2)
            {
                return null;
            }

            result.Append(body, end + 2, size);
            at = end + 2 + size + 2;
        }
    }
}
