using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Core;
using Orleans.Concurrency;

namespace Once.Grains;

/// <summary>
/// Checks messages for front ends that carry no handlers, with the same rules and words as the
/// entity's own validation, so an invalid message is refused before it enters a stream.
/// </summary>
[StatelessWorker]
internal sealed class EntityCatalogGrain(EntityCatalog catalog, IOptions<LedgerOptions> ledger, TimeProvider time) : Grain, IEntityCatalogGrain
{
    private readonly string[] _types = [.. catalog.Types.Select(t => t.Value).Order(StringComparer.Ordinal)];

    public Task<string[]> GetEntityTypesAsync() => Task.FromResult(_types);

    public Task<MessageError?> CheckAsync(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var error = catalog.Check(envelope, out var invalid)
            ? ProducerTime.Check(envelope.ProducedAt, time.GetUtcNow(), ledger.Value.MaxFutureSkew)
            : invalid;
        return Task.FromResult(error);
    }
}
