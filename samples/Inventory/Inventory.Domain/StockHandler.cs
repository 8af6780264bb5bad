using Once.Core;

namespace Inventory.Domain;

/// <summary>
/// One stock item (entity type <c>stock</c>, one entity per SKU): goods are received, reserved for
/// orders and released again. A reservation beyond what is free is rejected, never applied in part.
/// </summary>
public sealed class StockHandler : EntityHandler<StockState>
{
    public const string TypeName = "stock";
    public const string OutOfStock = "out-of-stock";
    public const string NotReserved = "not-reserved";

    public StockHandler()
        : base(TypeName, new StockState(0, 0))
    {
        On<Quantity>("receive", Positive, (stock, q) => Done(stock with { OnHand = stock.OnHand + q.Count }));

        On<Quantity>("reserve", Positive, (stock, q) =>
            stock.OnHand - stock.Reserved < q.Count ? Reject(OutOfStock) : Done(stock with { Reserved = stock.Reserved + q.Count }));

        On<Quantity>("release", Positive, (stock, q) =>
            stock.Reserved < q.Count ? Reject(NotReserved) : Done(stock with { Reserved = stock.Reserved - q.Count }));
    }

    private static string? Positive(Quantity q) => q.Count is > 0 and <= 1_000_000 ? null : "'count' must be between 1 and 1000000.";

    private static Decision<StockState> Done(StockState next) => Apply(next, next);
}

/// <summary>What is on hand and how much of it is reserved.</summary>
public sealed record StockState(int OnHand, int Reserved);

/// <summary>The data of every stock message: <c>{ "count": 3 }</c>.</summary>
public sealed record Quantity(int Count);
