namespace Once.Samples.Orders;

/// <summary>
/// The <c>orders</c> sample domain, a state machine: new -> placed -> paid -> shipped, and cancel
/// from placed or paid. Any other transition is rejected with <c>invalid-transition</c>.
/// </summary>
public sealed class OrdersHandler : EntityHandler<OrderState>
{
    public const string TypeName = "orders";
    public const string InvalidTransition = "invalid-transition";

    public const string New = "new";
    public const string Placed = "placed";
    public const string Paid = "paid";
    public const string Shipped = "shipped";
    public const string Cancelled = "cancelled";

    public OrdersHandler()
        : base(TypeName, new OrderState(New, 0m))
    {
        On<PlaceData>("place", d => Money.Check("total", d.Total, allowZero: false), (state, d) =>
            Move(state, to: Placed, [New], state with { Total = d.Total }));
        On("pay", state => Move(state, to: Paid, [Placed]));
        On("ship", state => Move(state, to: Shipped, [Paid]));
        On("cancel", state => Move(state, to: Cancelled, [Placed, Paid]));
    }

    private static Decision<OrderState> Move(OrderState state, string to, string[] from, OrderState? next = null)
    {
        if (!from.Contains(state.Status))
        {
            return Reject(InvalidTransition);
        }

        var moved = (next ?? state) with { Status = to };
        return Apply(moved, new OrderStatusResult(moved.Status));
    }
}
