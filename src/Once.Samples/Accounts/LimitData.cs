namespace Once.Samples.Accounts;

/// <summary>The data of <c>set-limit</c>.</summary>
public sealed record LimitData(decimal Limit);
