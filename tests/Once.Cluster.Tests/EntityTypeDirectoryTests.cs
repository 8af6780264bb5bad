using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using Once.Abstractions;
using Once.Client;

namespace Once.Cluster.Tests;

/// <summary>
/// How a front end without handlers learns the entity types: from a silo, once; again when a name is
/// unknown, but at most once per refresh interval, so a burst of requests for a type that does not
/// exist costs one question, and a type a new silo deployment added is found without a restart.
/// </summary>
public sealed class EntityTypeDirectoryTests
{
    [Fact]
    public async Task KnownType_AskedOnce_ThenAnsweredFromMemory()
    {
        var silo = new CatalogAnswers(["accounts", "orders"]);
        var directory = new EntityTypeDirectory(silo.Factory, new FakeTimeProvider());

        var first = await directory.FindAsync("orders");
        var second = await directory.FindAsync("accounts");

        Assert.Equal((true, true), (first.Exists, second.Exists));
        Assert.Equal(["accounts", "orders"], second.Types);
        Assert.Equal(1, silo.Asked);
    }

    [Fact]
    public async Task UnknownType_BurstOfRequests_OneQuestionPerInterval()
    {
        var silo = new CatalogAnswers(["accounts"]);
        var time = new FakeTimeProvider();
        var directory = new EntityTypeDirectory(silo.Factory, time);
        await directory.FindAsync("accounts");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => directory.FindAsync("invoices")));
        time.Advance(EntityTypeDirectory.RefreshInterval);
        var later = await directory.FindAsync("invoices");

        Assert.All(answers, a => Assert.False(a.Exists));
        Assert.False(later.Exists);
        Assert.Equal(2, silo.Asked);
    }

    [Fact]
    public async Task TypeAddedByTheSilos_FoundAfterTheInterval()
    {
        var silo = new CatalogAnswers(["accounts"]);
        var time = new FakeTimeProvider();
        var directory = new EntityTypeDirectory(silo.Factory, time);
        Assert.False((await directory.FindAsync("invoices")).Exists);

        silo.Types = ["accounts", "invoices"];
        var tooSoon = await directory.FindAsync("invoices");
        time.Advance(EntityTypeDirectory.RefreshInterval);
        var found = await directory.FindAsync("invoices");

        Assert.False(tooSoon.Exists);
        Assert.True(found.Exists);
        Assert.Equal(["accounts", "invoices"], found.Types);
    }

    /// <summary>A grain factory whose only grain is a catalog answering <see cref="Types"/>, counting the questions.</summary>
    private sealed class CatalogAnswers
    {
        private int _asked;

        public CatalogAnswers(string[] types)
        {
            Types = types;
            var factory = DispatchProxy.Create<IGrainFactory, Forwarder>();
            var catalog = DispatchProxy.Create<IEntityCatalogGrain, Forwarder>();
            ((Forwarder)(object)catalog).Answer = (method, _) => method.Name switch
            {
                nameof(IEntityCatalogGrain.GetEntityTypesAsync) => Ask(),
                _ => throw new NotSupportedException(method.Name),
            };
            ((Forwarder)(object)factory).Answer = (method, _) =>
                method.Name == nameof(IGrainFactory.GetGrain) && method.ReturnType == typeof(IEntityCatalogGrain)
                    ? catalog
                    : throw new NotSupportedException(method.ToString());
            Factory = factory;
        }

        public string[] Types { get; set; }

        public int Asked => _asked;

        public IGrainFactory Factory { get; }

        private Task<string[]> Ask()
        {
            Interlocked.Increment(ref _asked);
            return Task.FromResult(Types);
        }
    }

    /// <summary>An interface implemented by a function of the method called.</summary>
    public class Forwarder : DispatchProxy
    {
        public Func<MethodInfo, object?[]?, object?> Answer { get; set; } = (method, _) => throw new NotSupportedException(method.Name);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Answer(targetMethod!, args);
    }
}
