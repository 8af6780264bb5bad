using System.Globalization;
using System.Text.Json;
using CsCheck;
using Once.Abstractions;

namespace Once.Core.Tests;

internal sealed record AccountModelState(decimal Balance, decimal Limit);

/// <summary>Accounts as the sample documents them: deposit adds, withdraw subtracts unless balance + limit
/// is less than the amount, set-limit replaces the limit.</summary>
internal sealed class AccountsModel : ModelDomain<AccountModelState>
{
    public AccountsModel(EntityKey? entity = null)
    {
        Entity = entity ?? TestDomains.Account;
    }

    public static AccountsModel Instance { get; } = new();

    public override EntityKey Entity { get; }

    public override AccountModelState Initial { get; } = new(0m, 0m);

    // Mostly whole amounts from a small range, so withdrawals often hit balance + limit exactly and
    // limits repeat (set-limit unchanged); some odd cents; now and then a large amount up to 1e12.
    public override Gen<ModelOp> Op { get; } = Gen.Frequency(
        (4, Gen.Long[1, 20].Select(u => new ModelOp("deposit", u * 100))),
        (2, Gen.Long[1, 10_000].Select(c => new ModelOp("deposit", c))),
        (1, Gen.Long[1, 100_000_000_000_000].Select(c => new ModelOp("deposit", c))),
        (4, Gen.Long[1, 30].Select(u => new ModelOp("withdraw", u * 100))),
        (2, Gen.Long[1, 15_000].Select(c => new ModelOp("withdraw", c))),
        (2, Gen.OneOf(0L, 500L, 1_000L).Select(c => new ModelOp("set-limit", c))),
        (1, Gen.Long[0, 20_000].Select(c => new ModelOp("set-limit", c))));

    public override string Data(ModelOp op, int spelling)
    {
        var member = op.Type == "set-limit" ? "limit" : "amount";
        var amount = op.Amount;
        return (spelling % 4) switch
        {
            0 => $$"""{"{{member}}":{{amount.ToString(CultureInfo.InvariantCulture)}}}""",
            1 => $$"""{"{{member}}":{{amount.ToString("0.000", CultureInfo.InvariantCulture)}}}""",
            2 => $$"""{"{{member}}":{{op.Cents.ToString(CultureInfo.InvariantCulture)}}e-2}""",
            _ => $$"""{ "\u00{{((int)member[0]).ToString("x2", CultureInfo.InvariantCulture)}}{{member[1..]}}" :	{{amount.ToString(CultureInfo.InvariantCulture)}} }""",
        };
    }

    public override string? Refusal(AccountModelState state, ModelOp op) =>
        op.Type == "withdraw" && state.Balance + state.Limit < op.Amount ? "insufficient-funds" : null;

    public override AccountModelState Apply(AccountModelState state, ModelOp op) => op.Type switch
    {
        "deposit" => state with { Balance = state.Balance + op.Amount },
        "withdraw" => state with { Balance = state.Balance - op.Amount },
        "set-limit" => state with { Limit = op.Amount },
        _ => throw new ArgumentOutOfRangeException(nameof(op), op.Type, null),
    };

    public override AccountModelState Read(string? json)
    {
        if (json is null)
        {
            return Initial;
        }

        using var document = JsonDocument.Parse(json);
        return new(document.RootElement.GetProperty("balance").GetDecimal(), document.RootElement.GetProperty("limit").GetDecimal());
    }

    public override bool ResultShows(string result, AccountModelState expected) => Read(result) == expected;
}
