using BenchmarkDotNet.Attributes;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>The dedup lookup alone: is this message id in a full ledger (1000 ids)?</summary>
public class LedgerLookupBenchmarks
{
    private EntityRecord _entity = null!;
    private string _knownId = null!;
    private string _unknownId = null!;

    [GlobalSetup]
    public void Setup()
    {
        var accounts = new Accounts();
        _entity = accounts.FullEntity();

        // Copies, not the ledger's own string instances: an incoming id is a freshly read string, so
        // a hit compares all 36 characters instead of stopping at reference equality.
        _knownId = new string(_entity.EntryAt(_entity.LedgerCount / 2).MessageId.AsSpan());
        _unknownId = Accounts.NewId();
    }

    [Benchmark(Description = "ledger lookup: hit")]
    public bool LookupHit() => _entity.TryGetEntry(_knownId, out _);

    [Benchmark(Description = "ledger lookup: miss")]
    public bool LookupMiss() => _entity.TryGetEntry(_unknownId, out _);
}
