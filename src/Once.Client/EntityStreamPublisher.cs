namespace Once;

/// <summary>
/// Publishes messages to the entity streams for front-end services: validated at ingress exactly
/// like a direct send (a bad message never enters the stream), then enqueued. With a durable stream
/// provider the returned task completes once the message is stored in the queue.
/// </summary>
public sealed class EntityStreamPublisher(IClusterClient client, EntityCatalog catalog)
{
    public async Task<PublishResult> PublishAsync(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (!catalog.Check(envelope, out var error))
        {
            return PublishResult.Invalid(error!);
        }

        var stream = client.GetStreamProvider(OnceStreams.ProviderName).GetStream<MessageEnvelope>(OnceStreams.StreamOf(envelope.Entity));
        await stream.OnNextAsync(envelope);
        return PublishResult.Enqueued;
    }
}
