using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>
/// Context for the core numbers, not part of the core: the entity grain persists the whole
/// <see cref="EntityState"/> (all 1000 ledger entries) on every commit, so each new message pays
/// for serializing the full ledger once. System.Text.Json stands in for the storage serializer.
/// </summary>
public class StateWriteBenchmarks
{
    private EntityState _state = null!;

    [GlobalSetup]
    public void Setup() => _state = new Accounts().FullEntity().State;

    [Benchmark(Description = "whole-state write: serialize EntityState (1000 ids, JSON)")]
    public byte[] SerializeState() => JsonSerializer.SerializeToUtf8Bytes(_state);

    [GlobalCleanup]
    public void Cleanup() => GC.KeepAlive(_state);
}
