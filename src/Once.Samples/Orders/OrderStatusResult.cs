namespace Once.Samples.Orders;

/// <summary>The result of every order message: the order's status after it.</summary>
public sealed record OrderStatusResult(string Status);
