using Once.Core;

namespace Once.Samples.Accounts;

/// <summary>
/// The <c>accounts</c> sample domain: <c>deposit</c>, <c>withdraw</c> (rejected with
/// <c>insufficient-funds</c> when balance + limit is less than the amount) and <c>set-limit</c>
/// (absolute, so naturally idempotent). The result of every message is the balance and limit after it.
/// </summary>
public sealed class AccountsHandler : EntityHandler<AccountState>
{
    public const string TypeName = "accounts";
    public const string InsufficientFunds = "insufficient-funds";

    public AccountsHandler()
        : this(TypeName)
    {
    }

    /// <summary>The same rules under another entity type name (tests register a copy with another guarantee).</summary>
    public AccountsHandler(string entityType)
        : base(entityType, new AccountState(0m, 0m))
    {
        On<AmountData>("deposit", d => Money.Check("amount", d.Amount, allowZero: false), (state, d) =>
            Done(state with { Balance = state.Balance + d.Amount }));

        On<AmountData>("withdraw", d => Money.Check("amount", d.Amount, allowZero: false), (state, d) =>
            state.Balance + state.Limit < d.Amount
                ? Reject(InsufficientFunds)
                : Done(state with { Balance = state.Balance - d.Amount }));

        On<LimitData>("set-limit", d => Money.Check("limit", d.Limit, allowZero: true), (state, d) =>
            Done(state with { Limit = d.Limit }));
    }

    private static Decision<AccountState> Done(AccountState next) => Apply(next, next);
}
