using Once.Abstractions;
using Xunit.Sdk;

namespace Once.Core.Tests;

/// <summary>
/// Runs a script through the engine and checks it against the reference: every first delivery gets
/// the predicted outcome, every redelivery exactly its first outcome, every reused id a payload
/// mismatch that changes nothing, and the final state is the fold of the accepted messages.
/// </summary>
internal static class ModelCheck
{
    public static void Run<TState>(ModelDomain<TState> domain, Script script)
        where TState : IEquatable<TState>
    {
        var deliveries = ModelPlan.Build(domain, script);
        var driver = new EntityDriver(new LedgerOptions { MaxEntries = 1_000_000, Retention = TimeSpan.FromDays(3650) });
        var firstOutcomes = new Dictionary<int, MessageOutcome>();
        var firstOrder = new List<Delivery<TState>>();

        for (var i = 0; i < deliveries.Count; i++)
        {
            var delivery = deliveries[i];
            try
            {
                Check(domain, driver, delivery, firstOutcomes, firstOrder);
            }
            catch (XunitException e)
            {
                Assert.Fail($"Delivery #{i} ({ModelPlan.Describe(delivery)}): {e.Message}");
            }

            driver.Time.Advance(TimeSpan.FromSeconds(1));
        }

        // (a) The final state is the plain fold of the accepted messages in first-delivery order.
        var folded = domain.Initial;
        foreach (var accepted in firstOrder.Where(d => firstOutcomes[d.Message].Status is OutcomeStatus.Applied or OutcomeStatus.Unchanged))
        {
            folded = domain.Apply(folded, accepted.Op);
        }

        Assert.Equal(folded, domain.Read(driver.Record.Data));

        // (d) Every version step is one applied message, and nothing else moved the version.
        var applied = firstOutcomes.Values.Count(o => o.Status == OutcomeStatus.Applied);
        Assert.Equal(applied, driver.Record.Version);
        Assert.Equal(firstOutcomes.Count, driver.Record.LedgerCount);
    }

    private static void Check<TState>(
        ModelDomain<TState> domain,
        EntityDriver driver,
        Delivery<TState> delivery,
        Dictionary<int, MessageOutcome> firstOutcomes,
        List<Delivery<TState>> firstOrder)
        where TState : IEquatable<TState>
    {
        var before = (driver.Record.Version, driver.Record.Data);
        var decision = driver.Decide(delivery.Envelope);
        var outcome = decision.Outcome;
        var after = (driver.Record.Version, driver.Record.Data);

        switch (delivery.Kind)
        {
            case DeliveryKind.First:
                var expected = delivery.Expected!;
                Assert.Equal(expected.Status, outcome.Status);
                Assert.Equal(expected.Version, outcome.Version);
                Assert.Equal(expected.Reason, outcome.Reason);
                Assert.False(outcome.Replayed);
                Assert.Equal(expected.After, domain.Read(driver.Record.Data));
                if (outcome.Status is OutcomeStatus.Applied or OutcomeStatus.Unchanged)
                {
                    Assert.True(domain.ResultShows(outcome.Result!, expected.After), $"result {outcome.Result} does not show {expected.After}");
                }

                if (outcome.Status == OutcomeStatus.Applied)
                {
                    Assert.Equal(before.Version + 1, after.Version);
                    Assert.NotEqual(before.Data, after.Data);
                }
                else
                {
                    Assert.Equal(before, after);
                }

                firstOutcomes.Add(delivery.Message, outcome);
                firstOrder.Add(delivery);
                break;

            case DeliveryKind.Redelivery:
                // (b) exactly the first outcome: status, version, result, reason, first-seen time.
                Assert.Equal(firstOutcomes[delivery.Message] with { Replayed = true }, outcome);
                Assert.Null(decision.Change);
                Assert.Equal(before, after);
                break;

            case DeliveryKind.Reuse:
                // (c) a reused id with other content is refused and changes nothing.
                Assert.Equal(OutcomeStatus.PayloadMismatch, outcome.Status);
                Assert.Null(decision.Change);
                Assert.Equal(before, after);
                break;
        }
    }
}
