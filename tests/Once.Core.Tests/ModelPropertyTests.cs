using System.Collections.Concurrent;
using CsCheck;
using Xunit.Sdk;

namespace Once.Core.Tests;

public sealed class ModelPropertyTests
{
    [Fact]
    public void Accounts_RandomDeliveriesWithDuplicatesReorderingReuseAndVersions_MatchReference()
    {
        var domain = AccountsModel.Instance;
        Script.Generator(domain.Op).Sample(
            script => ModelCheck.Run(domain, script),
            iter: 1000,
            print: script => ModelPlan.Describe(domain, script));
    }

    [Fact]
    public void Orders_RandomDeliveriesWithDuplicatesReorderingReuseAndVersions_MatchReference()
    {
        var domain = OrdersModel.Instance;
        Script.Generator(domain.Op).Sample(
            script => ModelCheck.Run(domain, script),
            iter: 1000,
            print: script => ModelPlan.Describe(domain, script));
    }

    [Fact]
    public void Accounts_WithoutDeduplication_CheckerFailsOnEveryScriptWithARedelivery()
    {
        // Negative control: with the ledger switched off (at-least-once) the same checker must fail,
        // or it proves nothing.
        var domain = new AccountsModel(TestDomains.AtLeastOnceAccount);
        Script.Generator(domain.Op)
            .Where(script => ModelPlan.Build(domain, script).Any(d => d.Kind == DeliveryKind.Redelivery))
            .Sample(
                script => Assert.ThrowsAny<XunitException>(() => ModelCheck.Run(domain, script)),
                iter: 200,
                print: script => ModelPlan.Describe(domain, script));
    }

    [Fact]
    public void Accounts_WithoutDeduplication_DoubleDepositVisibleInFinalState()
    {
        var domain = new AccountsModel(TestDomains.AtLeastOnceAccount);
        var deposit = new Step(StepKind.Fresh, 0, new ModelOp("deposit", 1000), VersionMode.None, 0, 0);
        var script = new Script([deposit], [0]);

        var failure = Assert.ThrowsAny<XunitException>(() => ModelCheck.Run(domain, script));

        Assert.Contains("Redelivery m0", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generators_ManyScripts_ReachEveryOutcomeTheChecksAreAbout()
    {
        // The properties above only prove something if the scripts reach every kind of outcome.
        var seen = new ConcurrentDictionary<string, int>();
        void Count<TState>(ModelDomain<TState> domain, Script script)
            where TState : IEquatable<TState>
        {
            foreach (var delivery in ModelPlan.Build(domain, script))
            {
                var key = delivery.Expected is { } e ? $"{domain.Entity.Type}:{e.Status}" : $"{domain.Entity.Type}:{delivery.Kind}";
                seen.AddOrUpdate(key, 1, (_, n) => n + 1);
            }
        }

        Script.Generator(AccountsModel.Instance.Op).Sample(script => Count(AccountsModel.Instance, script), iter: 200);
        Script.Generator(OrdersModel.Instance.Op).Sample(script => Count(OrdersModel.Instance, script), iter: 200);

        string[] expected =
        [
            "accounts:Applied", "accounts:Unchanged", "accounts:Rejected", "accounts:VersionConflict",
            "accounts:Redelivery", "accounts:Reuse",
            "orders:Applied", "orders:Rejected", "orders:VersionConflict", "orders:Redelivery", "orders:Reuse",
        ];
        Assert.All(expected, key => Assert.True(seen.GetValueOrDefault(key) >= 20, $"{key} reached only {seen.GetValueOrDefault(key)} times"));
    }
}
