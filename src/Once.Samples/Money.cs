namespace Once.Samples;

/// <summary>The amount rule the sample domains share: a decimal with at most 2 places, at most 1e12.</summary>
internal static class Money
{
    public const decimal Max = 1_000_000_000_000m;

    /// <summary>Returns an error text naming the field, or null when the amount is valid.</summary>
    public static string? Check(string field, decimal value, bool allowZero)
    {
        if (allowZero ? value < 0 : value <= 0)
        {
            return allowZero ? $"'{field}' must not be negative." : $"'{field}' must be greater than zero.";
        }

        if (value > Max)
        {
            return $"'{field}' must be at most 1000000000000.";
        }

        // Scale counts written digits: 1.50 has scale 2 and 1.500 scale 3; both are fine, 1.505 is not.
        return decimal.Round(value, 2) != value ? $"'{field}' must have at most 2 decimal places." : null;
    }
}
