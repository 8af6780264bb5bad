using System.Globalization;
using System.Text.Json;
using CsCheck;
using Once.Abstractions;

namespace Once.Core.Tests;

internal sealed record OrderModelState(string Status, decimal Total);

/// <summary>Orders as the sample documents them: new -> placed -> paid -> shipped, cancel from placed or paid.</summary>
internal sealed class OrdersModel : ModelDomain<OrderModelState>
{
    private static readonly Dictionary<string, (string[] From, string To)> Transitions = new()
    {
        ["place"] = (["new"], "placed"),
        ["pay"] = (["placed"], "paid"),
        ["ship"] = (["paid"], "shipped"),
        ["cancel"] = (["placed", "paid"], "cancelled"),
    };

    public static OrdersModel Instance { get; } = new();

    public override EntityKey Entity => TestDomains.Order;

    public override OrderModelState Initial { get; } = new("new", 0m);

    public override Gen<ModelOp> Op { get; } = Gen.Frequency(
        (3, Gen.Long[1, 100_000].Select(c => new ModelOp("place", c))),
        (3, Gen.Const(new ModelOp("pay", 0))),
        (2, Gen.Const(new ModelOp("ship", 0))),
        (1, Gen.Const(new ModelOp("cancel", 0))));

    public override string Data(ModelOp op, int spelling)
    {
        if (op.Type != "place")
        {
            return (spelling % 3) switch { 0 => "{}", 1 => " { } ", _ => "{\n}" };
        }

        return (spelling % 3) switch
        {
            0 => $$"""{"total":{{op.Amount.ToString(CultureInfo.InvariantCulture)}}}""",
            1 => $$"""{ "total" : {{op.Amount.ToString("0.0000", CultureInfo.InvariantCulture)}} }""",
            _ => $$"""{"total":{{op.Cents.ToString(CultureInfo.InvariantCulture)}}E-2}""",
        };
    }

    public override string? Refusal(OrderModelState state, ModelOp op) =>
        Transitions[op.Type].From.Contains(state.Status) ? null : "invalid-transition";

    public override OrderModelState Apply(OrderModelState state, ModelOp op) =>
        op.Type == "place"
            ? new OrderModelState("placed", op.Amount)
            : state with { Status = Transitions[op.Type].To };

    public override OrderModelState Read(string? json)
    {
        if (json is null)
        {
            return Initial;
        }

        using var document = JsonDocument.Parse(json);
        return new(document.RootElement.GetProperty("status").GetString()!, document.RootElement.GetProperty("total").GetDecimal());
    }

    public override bool ResultShows(string result, OrderModelState expected)
    {
        using var document = JsonDocument.Parse(result);
        return document.RootElement.GetProperty("status").GetString() == expected.Status;
    }
}
