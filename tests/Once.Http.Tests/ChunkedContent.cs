using System.Net;

namespace Once.Http.Tests;

/// <summary>A body sent without Content-Length, as a streaming client sends it, so only reading can find its size.</summary>
internal sealed class ChunkedContent : HttpContent
{
    private readonly byte[] _bytes;

    public ChunkedContent(byte[] bytes)
    {
        _bytes = bytes;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        const int chunk = 4096;
        for (var offset = 0; offset < _bytes.Length; offset += chunk)
        {
            await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(chunk, _bytes.Length - offset)));
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
