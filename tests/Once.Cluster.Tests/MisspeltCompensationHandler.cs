using Once.Abstractions;
using Once.Core;

namespace Once.Cluster.Tests;

/// <summary>
/// Withdraws from an account on <c>pay</c> and names a compensation type that does not exist
/// (<c>payment-rejectd</c>): when the account rejects, the compensation that comes back is invalid.
/// </summary>
internal sealed class MisspeltCompensationHandler : EntityHandler<MisspeltCompensationHandler.Paid>
{
    public const string TypeName = "orders-misspelt";

    public MisspeltCompensationHandler()
        : base(TypeName, new Paid(false))
    {
        On<PayData>("pay", _ => null, (state, d) => Apply(new Paid(true), new Paid(true))
            .Emit(new EntityKey("accounts", d.Account), "withdraw", new { amount = 1_000_000 }, onRejected: "payment-rejectd"));
    }

    public sealed record Paid(bool Done);

    public sealed record PayData(string Account);
}
