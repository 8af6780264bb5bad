using System.Globalization;
using System.Text;
using Once.Abstractions;

namespace Once.Core.Tests;

internal enum DeliveryKind
{
    First,
    Redelivery,
    Reuse,
}

/// <summary>What the reference says the first delivery of a message must get.</summary>
internal sealed record Expectation<TState>(OutcomeStatus Status, long Version, string? Reason, TState After);

/// <summary>One delivery to the entity: which message (index of its first delivery), its envelope,
/// and for a first delivery the reference's expectation.</summary>
internal sealed record Delivery<TState>(DeliveryKind Kind, int Message, ModelOp Op, MessageEnvelope Envelope, Expectation<TState>? Expected);

/// <summary>Turns a script into deliveries, predicting each first outcome with the reference domain.</summary>
internal static class ModelPlan
{
    public static List<Delivery<TState>> Build<TState>(ModelDomain<TState> domain, Script script)
        where TState : IEquatable<TState>
    {
        var deliveries = new List<Delivery<TState>>();
        var messages = new List<(MessageId Id, ModelOp Op, long? ExpectedVersion)>();
        var state = domain.Initial;
        var version = 0L;

        MessageEnvelope Envelope(MessageId id, ModelOp op, long? expectedVersion, int spelling) =>
            new(id, domain.Entity, op.Type, domain.Data(op, spelling), expectedVersion);

        foreach (var step in script.Steps)
        {
            switch (step.Kind)
            {
                case StepKind.Fresh:
                {
                    var id = new MessageId($"m{messages.Count}");
                    var expectedVersion = ExpectedVersion(step, version);
                    var expectation = Predict(domain, ref state, ref version, step.Op, expectedVersion);
                    deliveries.Add(new(DeliveryKind.First, messages.Count, step.Op, Envelope(id, step.Op, expectedVersion, step.Spelling), expectation));
                    messages.Add((id, step.Op, expectedVersion));
                    break;
                }

                case StepKind.Redeliver when messages.Count > 0:
                {
                    var index = step.Pick % messages.Count;
                    var (id, op, expectedVersion) = messages[index];
                    deliveries.Add(new(DeliveryKind.Redelivery, index, op, Envelope(id, op, expectedVersion, step.Spelling), null));
                    break;
                }

                case StepKind.Reuse when messages.Count > 0:
                {
                    var index = step.Pick % messages.Count;
                    var (id, op, expectedVersion) = messages[index];
                    var otherVersion = ExpectedVersion(step, version);
                    if (step.Op == op && otherVersion == expectedVersion)
                    {
                        otherVersion = (otherVersion ?? -1) + 1;
                    }

                    deliveries.Add(new(DeliveryKind.Reuse, index, step.Op, Envelope(id, step.Op, otherVersion, step.Spelling), null));
                    break;
                }

                default:
                    break;
            }
        }

        var tail = Enumerable.Range(0, Math.Min(script.TailKeys.Length, messages.Count)).OrderBy(i => script.TailKeys[i]).ThenBy(i => i);
        foreach (var index in tail)
        {
            var (id, op, expectedVersion) = messages[index];
            deliveries.Add(new(DeliveryKind.Redelivery, index, op, Envelope(id, op, expectedVersion, script.TailKeys[index]), null));
        }

        return deliveries;
    }

    public static string Describe<TState>(ModelDomain<TState> domain, Script script)
        where TState : IEquatable<TState>
    {
        var text = new StringBuilder();
        var deliveries = Build(domain, script);
        for (var i = 0; i < deliveries.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  #{i} {Describe(deliveries[i])}");
        }

        return text.ToString();
    }

    public static string Describe<TState>(Delivery<TState> delivery)
    {
        var envelope = delivery.Envelope;
        var expected = delivery.Expected is { } e ? $" -> expect {e.Status} v{e.Version}{(e.Reason is null ? "" : " " + e.Reason)}" : "";
        var version = envelope.ExpectedVersion is { } v ? $" if-version {v}" : "";
        return $"{delivery.Kind} {envelope.MessageId} {envelope.MessageType} {envelope.Data}{version}{expected}";
    }

    private static long? ExpectedVersion(Step step, long current) => step.Mode switch
    {
        VersionMode.None => null,
        VersionMode.Current => current,
        VersionMode.Stale => current > 0 ? current - 1 - (step.Number % current) : 1 + (step.Number % 3),
        _ => step.Number % 10,
    };

    private static Expectation<TState> Predict<TState>(ModelDomain<TState> domain, ref TState state, ref long version, ModelOp op, long? expectedVersion)
        where TState : IEquatable<TState>
    {
        if (expectedVersion is { } expected && expected != version)
        {
            return new(OutcomeStatus.VersionConflict, version, null, state);
        }

        if (domain.Refusal(state, op) is { } reason)
        {
            return new(OutcomeStatus.Rejected, version, reason, state);
        }

        var next = domain.Apply(state, op);
        if (next.Equals(state))
        {
            return new(OutcomeStatus.Unchanged, version, null, state);
        }

        state = next;
        version++;
        return new(OutcomeStatus.Applied, version, null, state);
    }
}
