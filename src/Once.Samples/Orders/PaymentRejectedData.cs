namespace Once.Samples.Orders;

/// <summary>The data of <c>payment-rejected</c>: why the account refused the withdrawal.</summary>
public sealed record PaymentRejectedData(string Reason);
