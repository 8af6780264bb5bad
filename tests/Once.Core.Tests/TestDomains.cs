using Once.Abstractions;
using Once.Samples.Accounts;
using Once.Samples.Orders;

namespace Once.Core.Tests;

/// <summary>The catalog every test validates against: the two sample domains, plus a copy of
/// accounts without a ledger for the at-least-once negative control.</summary>
internal static class TestDomains
{
    public const string AtLeastOnceAccounts = "accounts-alo";

    public static EntityCatalog Catalog { get; } = new(
    [
        new EntityRegistration(new AccountsHandler()),
        new EntityRegistration(new OrdersHandler()),
        new EntityRegistration(new AccountsHandler(AtLeastOnceAccounts), DeliveryGuarantee.AtLeastOnce),
    ]);

    public static EntityKey Account { get; } = new(AccountsHandler.TypeName, "acc-1");

    public static EntityKey AtLeastOnceAccount { get; } = new(AtLeastOnceAccounts, "acc-1");

    public static EntityKey Order { get; } = new(OrdersHandler.TypeName, "ord-1");

    public static MessageEnvelope Deposit(string id, string amount, long? expectedVersion = null, DateTimeOffset? producedAt = null) =>
        new(new MessageId(id), Account, "deposit", $$"""{"amount":{{amount}}}""", expectedVersion, producedAt);

    public static MessageEnvelope Withdraw(string id, string amount, long? expectedVersion = null) =>
        new(new MessageId(id), Account, "withdraw", $$"""{"amount":{{amount}}}""", expectedVersion);

    public static MessageEnvelope SetLimit(string id, string limit, long? expectedVersion = null) =>
        new(new MessageId(id), Account, "set-limit", $$"""{"limit":{{limit}}}""", expectedVersion);

    public static MessageEnvelope AccountMessage(string id, string messageType, string data) =>
        new(new MessageId(id), Account, messageType, data);

    public static MessageEnvelope Place(string id, string total) =>
        new(new MessageId(id), Order, "place", $$"""{"total":{{total}}}""");

    public static MessageEnvelope OrderMessage(string id, string messageType, string data = "{}") =>
        new(new MessageId(id), Order, messageType, data);
}
