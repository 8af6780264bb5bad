namespace Once.Samples.Orders;

/// <summary>The data of <c>place</c>: the total and, optionally, the account that pays it.</summary>
public sealed record PlaceData(decimal Total, string? Account = null);
