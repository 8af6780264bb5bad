using BenchmarkDotNet.Attributes;
using Once.Abstractions;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>
/// A new message against a full ledger: decide (lookup miss, handler, plan to prune one) and apply
/// (remember the new id, forget the oldest). Validation is done up front, so this is the engine and
/// the ledger only. Every invocation is one message at the steady state of a busy entity.
/// </summary>
public class RecordAndPruneBenchmarks
{
    private Accounts _accounts = null!;
    private EntityRecord _entity = null!;
    private ValidatedMessage[] _messages = null!;
    private EntityChange[] _changes = null!;
    private IEntityHandler _handler = null!;
    private string _state = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _accounts = new Accounts();
        _entity = _accounts.FullEntity();
        _messages = Array.ConvertAll(_accounts.FreshDeposits(), _accounts.Validate);

        // Ledger maintenance in isolation: prepared changes that each add one entry and prune one.
        _changes = Array.ConvertAll(_messages, m => new EntityChange(
            1,
            _entity.Data,
            new LedgerEntry(m.Envelope.MessageId.Value, m.Fingerprint, new RecordedOutcome(OutcomeStatus.Applied, 1, "{}"), default),
            1,
            _entity.LedgerFloor));

        _handler = _messages[0].Registration.Handler;
        _state = _entity.Data!;
    }

    [Benchmark(Description = "record and prune: Decide + Apply (new id, full ledger)")]
    public EntityDecision DecideAndApply()
    {
        var message = _messages[_next];
        _next = (_next + 1) % _messages.Length;
        var decision = EntityEngine.Decide(_entity, message, _accounts.Options, _accounts.Tick());
        _entity.Apply(decision.Change!);
        return decision;
    }

    [Benchmark(Description = "handler only: AccountsHandler.Handle (deposit)")]
    public HandlerResult HandleOnly() => _handler.Handle(_state, "deposit", _messages[0].Parsed);

    [Benchmark(Description = "ledger only: Apply (add one id, prune one)")]
    public EntityRecord ApplyOnly()
    {
        var change = _changes[_next];
        _next = (_next + 1) % _changes.Length;
        _entity.Apply(change);
        return _entity;
    }
}
