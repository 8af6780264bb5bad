using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Once.Abstractions;

namespace Once.Core.Tests;

/// <summary>
/// Drives one entity through the pure engine the way the grain does: validate, decide, commit the
/// change (here: apply it to the in-memory record), then answer with the outcome.
/// </summary>
internal sealed class EntityDriver(LedgerOptions? options = null)
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public EntityRecord Record { get; } = new(new EntityState());

    public LedgerOptions Options { get; } = options ?? new LedgerOptions();

    public FakeTimeProvider Time { get; } = new(Start);

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Validates (the envelope must be valid), decides, applies the change, returns the decision.</summary>
    public EntityDecision Decide(MessageEnvelope envelope)
    {
        var valid = TestDomains.Catalog.Validate(envelope, out var message, out var error);
        Assert.True(valid, $"{envelope.MessageType} {envelope.Data} should be valid but was refused: {error?.Code} {error?.Detail}");
        var decision = EntityEngine.Decide(Record, message!, Options, Now);
        if (decision.Change is not null)
        {
            Record.Apply(decision.Change);
        }

        return decision;
    }

    public MessageOutcome Send(MessageEnvelope envelope) => Decide(envelope).Outcome;

    /// <summary>The account's balance and limit as the state JSON says (the initial state before any change).</summary>
    public (decimal Balance, decimal Limit) Account()
    {
        if (Record.Data is null)
        {
            return (0m, 0m);
        }

        using var document = JsonDocument.Parse(Record.Data);
        return (document.RootElement.GetProperty("balance").GetDecimal(), document.RootElement.GetProperty("limit").GetDecimal());
    }

    /// <summary>The order's status and total as the state JSON says.</summary>
    public (string Status, decimal Total) Order()
    {
        if (Record.Data is null)
        {
            return ("new", 0m);
        }

        using var document = JsonDocument.Parse(Record.Data);
        return (document.RootElement.GetProperty("status").GetString()!, document.RootElement.GetProperty("total").GetDecimal());
    }

    public bool Remembers(string messageId) => Record.TryGetEntry(messageId, out _);
}
