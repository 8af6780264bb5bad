namespace Once.Samples.Orders;

/// <summary>An order: where it is in its life, its total once placed, the paying account and the URL to notify if named.</summary>
public sealed record OrderState(string Status, decimal Total, string? Account = null, string? FailureReason = null, string? Notify = null);
