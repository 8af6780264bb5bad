namespace Once.Samples.Accounts;

/// <summary>An account: its balance and the overdraft limit below zero it may use.</summary>
public sealed record AccountState(decimal Balance, decimal Limit);
