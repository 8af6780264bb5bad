namespace Once.Core.Tests;

/// <summary>A message's content in the model: its type and its one amount in cents (0 when it has no data).</summary>
internal sealed record ModelOp(string Type, long Cents)
{
    public decimal Amount => Cents / 100m;

    public override string ToString() => Cents == 0 && Type is "pay" or "ship" or "cancel" ? Type : $"{Type} {Amount}";
}
