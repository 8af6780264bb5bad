namespace Once.Testing;

/// <summary>A one-shot failure of one entity's next commit, armed with <see cref="EntityStoreFaults.Arm"/>.</summary>
public enum StoreFault
{
    /// <summary>The commit fails before anything is stored: the caller gets an error, nothing changed.</summary>
    FailBeforeCommit,

    /// <summary>The commit is stored, then the caller gets an error (a lost acknowledgement): sending again must not apply it twice.</summary>
    FailAfterCommit,

    /// <summary>The commit is refused as stale, as when another activation wrote first: the entity reloads and decides again.</summary>
    StaleWrite,
}
