using Once.Abstractions;

namespace Once.Client;

/// <summary>
/// Publishes messages to the entity streams for front-end services: checked by a silo first, with the
/// entity's own rules (<see cref="IEntityCatalogGrain.CheckAsync"/>: a bad message never enters the
/// stream, and the front end needs no handlers), then enqueued. With a durable stream provider the
/// returned task completes once the message is stored in the queue.
/// Given its own <see cref="StreamSettings"/>, it publishes only once the cluster said it reads the
/// same, and throws <see cref="StreamSettingsMismatchException"/> otherwise: never an Accepted for a
/// message no silo would read.
/// </summary>
public sealed class EntityStreamPublisher(
    IClusterClient client, StreamSettings? settings = null)
{
    private Task? _sameSettings;

    public async Task<PublishResult> PublishAsync(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        await EnsureSameSettingsAsync();
        if (await client.GetGrain<IEntityCatalogGrain>(0).CheckAsync(envelope) is { } error)
        {
            return PublishResult.Invalid(error);
        }

        var stream = client.GetStreamProvider(OnceStreams.ProviderName).GetStream<MessageEnvelope>(OnceStreams.StreamOf(envelope.Entity));
        try
        {
            await stream.OnNextAsync(envelope);
        }
        catch (Exception e) when (StorageFailures.LeaveOutcomeUnknown(e))
        {
            // The queue lives in the database: the same "outcome unknown" as an entity's failed write.
            throw new EntityStoreUnavailableException(
                $"The message may or may not have been enqueued; publish it again with the same id: {e.GetBaseException().Message}", e);
        }

        return PublishResult.Enqueued;
    }

    /// <summary>Asks the cluster once; a failed question is asked again next time, a mismatch is final.</summary>
    private async Task EnsureSameSettingsAsync()
    {
        if (settings is null)
        {
            return;
        }

        var check = _sameSettings ??= CheckAsync(settings);
        try
        {
            await check;
        }
        catch (Exception e) when (e is not StreamSettingsMismatchException)
        {
            _ = Interlocked.CompareExchange(ref _sameSettings, null, check);
            throw;
        }
    }

    private async Task CheckAsync(StreamSettings mine)
    {
        var cluster = await client.GetGrain<IClusterSettingsGrain>(0).GetStreamSettingsAsync();
        if (StreamSettingsMismatchException.Describe(mine, cluster) is { } mismatch)
        {
            throw new StreamSettingsMismatchException(mismatch);
        }
    }
}
