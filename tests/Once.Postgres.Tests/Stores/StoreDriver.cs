using System.Globalization;
using Once.Abstractions;
using Once.Core;
using Once.Samples.Accounts;

namespace Once.Postgres.Tests.Stores;

/// <summary>Drives a store the way the entity grain does: load, find the id, decide with the real engine, commit.</summary>
internal static class StoreDriver
{
    public static readonly EntityCatalog Catalog = new([new EntityRegistration(new AccountsHandler())]);

    public static MessageEnvelope Deposit(EntityKey account, string id, decimal amount, DateTimeOffset? producedAt = null) =>
        new(new MessageId(id), account, "deposit", $"{{\"amount\":{amount.ToString(CultureInfo.InvariantCulture)}}}", ProducedAt: producedAt);

    public static ValidatedMessage Validated(MessageEnvelope envelope)
    {
        Assert.True(Catalog.Validate(envelope, out var message, out var error), error?.Detail);
        return message!;
    }

    public static async Task<MessageOutcome> SendAsync(IEntityStore store, MessageEnvelope envelope, DateTimeOffset now)
    {
        var message = Validated(envelope);
        await store.EnsureLoadedAsync();
        await store.FindEntryAsync(envelope.MessageId.Value);
        var decision = EntityEngine.Decide(store.Current, message, StoreHarness.Ledger, now);
        if (decision.Change is not null)
        {
            await store.CommitAsync(decision.Change);
        }

        return decision.Outcome;
    }
}
