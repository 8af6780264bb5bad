namespace Once.Samples.Accounts;

/// <summary>The data of <c>deposit</c> and <c>withdraw</c>.</summary>
public sealed record AmountData(decimal Amount);
