using Once.Abstractions;
using Once.Core;
using Once.Samples.Accounts;

namespace Once.Benchmarks;

/// <summary>
/// The accounts sample domain as the benchmarks drive it: realistic message ids (GUID strings, 36
/// characters), "deposit" messages, a clock that moves one second per message, and entities whose
/// ledger is full at the default retention, the steady state of a busy entity.
/// </summary>
internal sealed class Accounts
{
    public const string DepositData = "{\"amount\":12.34}";

    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public EntityCatalog Catalog { get; } = new([new EntityRegistration(new AccountsHandler())]);

    public LedgerOptions Options { get; } = new();

    /// <summary>The clock, one step further on every call.</summary>
    public DateTimeOffset Tick()
    {
        _now += Step;
        return _now;
    }

    public static MessageEnvelope Deposit(string messageId, string accountId = "a1") =>
        new(new MessageId(messageId), new EntityKey(AccountsHandler.TypeName, accountId), "deposit", DepositData);

    public static string NewId() => Guid.NewGuid().ToString();

    public ValidatedMessage Validate(MessageEnvelope envelope) =>
        Catalog.Validate(envelope, out var message, out var error)
            ? message!
            : throw new InvalidOperationException($"The benchmark message is invalid: {error}");

    /// <summary>
    /// An entity that has processed more deposits than its ledger keeps, so the ledger holds exactly
    /// <see cref="LedgerOptions.MaxEntries"/> ids and has a floor: every new message prunes one.
    /// </summary>
    public EntityRecord FullEntity(string accountId = "a1")
    {
        var record = new EntityRecord(new EntityState());
        for (var i = 0; i < Options.MaxEntries + 100; i++)
        {
            Process(record, Deposit(NewId(), accountId));
        }

        if (record.LedgerCount != Options.MaxEntries || record.LedgerFloor is null)
        {
            throw new InvalidOperationException($"Expected a full ledger of {Options.MaxEntries} ids, got {record.LedgerCount}.");
        }

        return record;
    }

    /// <summary>One message through the pure core, exactly as the entity grain runs it.</summary>
    public MessageOutcome Process(EntityRecord record, MessageEnvelope envelope)
    {
        var decision = EntityEngine.Decide(record, Validate(envelope), Options, Tick());
        if (decision.Change is not null)
        {
            record.Apply(decision.Change);
        }

        return decision.Outcome;
    }

    /// <summary>
    /// Deposits with fresh ids, used round-robin. More of them than the ledger keeps, so by the time
    /// one comes round again its id has been pruned and it is a new message once more.
    /// </summary>
    public MessageEnvelope[] FreshDeposits(string accountId = "a1")
    {
        var deposits = new MessageEnvelope[4 * Options.MaxEntries];
        for (var i = 0; i < deposits.Length; i++)
        {
            deposits[i] = Deposit(NewId(), accountId);
        }

        return deposits;
    }
}
