namespace Once.Samples.Orders;

/// <summary>An order: where it is in its life and its total once placed.</summary>
public sealed record OrderState(string Status, decimal Total);
