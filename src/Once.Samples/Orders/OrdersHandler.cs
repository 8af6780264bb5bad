using Once.Abstractions;
using Once.Core;

namespace Once.Samples.Orders;

/// <summary>
/// The <c>orders</c> sample domain, a state machine: new -> placed -> paid -> shipped, and cancel
/// from placed or paid. Any other transition is rejected with <c>invalid-transition</c>.
/// The pipeline: an order placed with an <c>account</c> emits, when paid, a <c>withdraw</c> of its
/// total to <c>accounts/{account}</c> through the outbox. If the account rejects it, the rejection
/// comes back as <c>payment-rejected</c>, which moves a paid order to <c>payment-failed</c>.
/// An order placed with a <c>notify</c> URL has it POSTed <c>{"event":"order-shipped","total":...}</c>
/// when it ships (an HTTP effect, sent at least once with one Idempotency-Key).
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
    public const string PaymentFailed = "payment-failed";

    public OrdersHandler()
        : this(TypeName, Accounts.AccountsHandler.TypeName)
    {
    }

    /// <summary>The same rules under another type name, paying from accounts of another type (tests use this for controls).</summary>
    public OrdersHandler(string entityType, string accountType)
        : base(entityType, new OrderState(New, 0m))
    {
        On<PlaceData>("place", CheckPlace, (state, d) =>
            Move(state, to: Placed, [New], state with { Total = d.Total, Account = d.Account, Notify = d.Notify }));
        On("pay", state =>
        {
            var paid = Move(state, to: Paid, [Placed]);
            return paid.RejectionReason is null && state.Account is { } account
                ? paid.Emit(new EntityKey(accountType, account), "withdraw", new { amount = state.Total }, onRejected: "payment-rejected")
                : paid;
        });
        On<PaymentRejectedData>("payment-rejected", _ => null, (state, d) =>
            Move(state, to: PaymentFailed, [Paid], state with { FailureReason = d.Reason }));
        On("ship", state =>
        {
            var shipped = Move(state, to: Shipped, [Paid]);
            return shipped.RejectionReason is null && state.Notify is { } notify
                ? shipped.Call(new Uri(notify), new { @event = "order-shipped", total = state.Total })
                : shipped;
        });
        On("cancel", state => Move(state, to: Cancelled, [Placed, Paid]));
    }

    private static string? CheckPlace(PlaceData data) =>
        Money.Check("total", data.Total, allowZero: false)
        ?? (data.Account is { } account && !EntityId.TryParse(account, out _, out var problem) ? $"'account': {problem}" : null)
        ?? (data.Notify is { } notify && !(Uri.TryCreate(notify, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            ? "'notify' must be an absolute http or https URL." : null);

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
