namespace Once.TestSupport;

/// <summary>A one-shot storage failure armed for one entity's next write.</summary>
public enum StorageFault
{
    /// <summary>The write fails before anything is stored.</summary>
    ThrowBeforeWrite,

    /// <summary>The write is stored, then the caller gets an error (a lost acknowledgement).</summary>
    ThrowAfterWrite,

    /// <summary>Another activation stores this very state first; this write then loses the version check.</summary>
    StaleWrite,

    /// <summary>The write fails before anything is stored, with a database driver's error (<see cref="DriverException"/>).</summary>
    DriverErrorBeforeWrite,

    /// <summary>The write is stored, then the caller gets a database driver's error.</summary>
    DriverErrorAfterWrite,
}
