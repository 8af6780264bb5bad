namespace Once.Samples.Orders;

/// <summary>The data of <c>place</c>: the total and, optionally, the account that pays it and a URL
/// told (by HTTP POST) when the order ships.</summary>
public sealed record PlaceData(decimal Total, string? Account = null, string? Notify = null);
