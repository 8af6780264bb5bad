using Microsoft.Extensions.Options;

namespace Once;

/// <summary>
/// Publishes messages to the entity streams for front-end services: validated at ingress exactly
/// like a direct send (a bad message never enters the stream), then enqueued. With a durable stream
/// provider the returned task completes once the message is stored in the queue. A producer time
/// further ahead than <see cref="LedgerOptions.MaxFutureSkew"/> is refused here too, as the entity would.
/// </summary>
public sealed class EntityStreamPublisher(
    IClusterClient client, EntityCatalog catalog, IOptions<LedgerOptions>? ledger = null, TimeProvider? time = null)
{
    public async Task<PublishResult> PublishAsync(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (!catalog.Check(envelope, out var error))
        {
            return PublishResult.Invalid(error!);
        }

        var skew = (ledger?.Value ?? new LedgerOptions()).MaxFutureSkew;
        if (ProducerTime.Check(envelope.ProducedAt, (time ?? TimeProvider.System).GetUtcNow(), skew) is { } ahead)
        {
            return PublishResult.Invalid(ahead);
        }

        var stream = client.GetStreamProvider(OnceStreams.ProviderName).GetStream<MessageEnvelope>(OnceStreams.StreamOf(envelope.Entity));
        try
        {
            await stream.OnNextAsync(envelope);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // The queue lives in the database: the same "outcome unknown" as an entity's failed write.
            throw new EntityStoreUnavailableException(
                $"The message may or may not have been enqueued; publish it again with the same id: {e.GetBaseException().Message}", e);
        }

        return PublishResult.Enqueued;
    }
}
