using BenchmarkDotNet.Attributes;
using Once.Abstractions;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>
/// One message end to end through the pure core, as the entity grain runs it before its storage
/// write: EntityCatalog.Validate, EntityEngine.Decide, EntityRecord.Apply, against a full ledger.
/// </summary>
public class ApplyStepBenchmarks
{
    private Accounts _accounts = null!;
    private EntityRecord _entity = null!;
    private MessageEnvelope[] _fresh = null!;
    private MessageEnvelope _duplicate = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _accounts = new Accounts();
        _entity = _accounts.FullEntity();
        _fresh = _accounts.FreshDeposits();

        // A redelivery of a remembered deposit: same id (a fresh string), same data.
        var known = _entity.EntryAt(_entity.LedgerCount / 2).MessageId;
        _duplicate = Accounts.Deposit(new string(known.AsSpan()));
        if (!_accounts.Process(_entity, _duplicate).Replayed)
        {
            throw new InvalidOperationException("The duplicate was not replayed.");
        }
    }

    [Benchmark(Description = "apply step: new deposit (Validate + Decide + Apply)")]
    public MessageOutcome NewMessage()
    {
        var envelope = _fresh[_next];
        _next = (_next + 1) % _fresh.Length;
        return _accounts.Process(_entity, envelope);
    }

    [Benchmark(Description = "apply step: duplicate deposit (Validate + Decide, replay)")]
    public MessageOutcome Duplicate() => _accounts.Process(_entity, _duplicate);
}
