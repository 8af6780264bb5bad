using System.Collections.Concurrent;
using Once.Core;

namespace Once.Http.Tests;

/// <summary>
/// A counter whose <c>work</c> message names a fault switch (<c>{"switch":"..."}</c>): while that switch
/// is on, the handler throws, so the message is a poison message on demand. Switches are per key (tests
/// use their entity id), so a test never switches a fault on or off for another test's entities.
/// </summary>
internal sealed class FaultyHandler : EntityHandler<FaultyHandler.Counter>
{
    private static readonly ConcurrentDictionary<string, byte> Faults = new(StringComparer.Ordinal);

    public FaultyHandler(string entityType)
        : base(entityType, new Counter(0))
    {
        On<WorkData>("work", data => string.IsNullOrEmpty(data.Switch) ? "'switch' must name a fault switch." : null, (state, data) =>
            Faults.ContainsKey(data.Switch)
                ? throw new InvalidOperationException(FailureMessage(data.Switch))
                : Apply(new Counter(state.Count + 1), new Counter(state.Count + 1)));
    }

    /// <summary>The exception message of a failure, which becomes the dead letter's reason.</summary>
    public static string FailureMessage(string faultSwitch) => $"the faulty handler failed: switch '{faultSwitch}' is on";

    /// <summary>Turns the switch on until the returned fault is repaired or disposed.</summary>
    public static Fault FailWhile(string faultSwitch)
    {
        if (!Faults.TryAdd(faultSwitch, 0))
        {
            throw new InvalidOperationException($"The fault switch '{faultSwitch}' is already on.");
        }

        return new Fault(faultSwitch);
    }

    public sealed record Counter(int Count);

    public sealed record WorkData(string Switch);

    /// <summary>A switched-on fault; repairing it (or disposing it, so a failed test leaves no fault behind) turns it off.</summary>
    public sealed class Fault(string faultSwitch) : IDisposable
    {
        public void Repair() => Faults.TryRemove(faultSwitch, out _);

        public void Dispose() => Repair();
    }
}
