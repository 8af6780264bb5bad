namespace Once.Abstractions;

public static class OutcomeStatusExtensions
{
    /// <summary>The name of a status on the wire (HTTP bodies, metrics): <c>applied</c>, <c>version-conflict</c>, ...</summary>
    public static string ToWireName(this OutcomeStatus status) => status switch
    {
        OutcomeStatus.Applied => "applied",
        OutcomeStatus.Unchanged => "unchanged",
        OutcomeStatus.Rejected => "rejected",
        OutcomeStatus.VersionConflict => "version-conflict",
        OutcomeStatus.PayloadMismatch => "payload-mismatch",
        OutcomeStatus.Invalid => "invalid",
        OutcomeStatus.Expired => "expired",
        OutcomeStatus.Accepted => "accepted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
