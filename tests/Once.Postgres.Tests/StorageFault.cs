namespace Once.Postgres.Tests;

/// <summary>A one-shot storage failure armed for one entity's next write.</summary>
internal enum StorageFault
{
    /// <summary>The write fails before it reaches PostgreSQL.</summary>
    ThrowBeforeWrite,

    /// <summary>The write commits in PostgreSQL, then the caller gets an error (a lost acknowledgement).</summary>
    ThrowAfterWrite,
}
