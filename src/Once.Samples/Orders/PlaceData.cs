namespace Once.Samples.Orders;

/// <summary>The data of <c>place</c>.</summary>
public sealed record PlaceData(decimal Total);
