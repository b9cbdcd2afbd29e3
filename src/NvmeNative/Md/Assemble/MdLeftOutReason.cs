namespace NvmeNative.Md;

/// <summary>Why assembling did not use a member.</summary>
public enum MdLeftOutReason
{
    /// <summary>No valid md v1.2 superblock on it.</summary>
    NoSuperblock,

    /// <summary>Its superblock belongs to another array (different uuid).</summary>
    OtherArray,

    /// <summary>Its own superblock says it is not an active mirror (spare or faulty).</summary>
    NotActive,

    /// <summary>Its event count is more than one behind the freshest member's: its data is stale. A bitmap re-add can bring it back.</summary>
    Stale,

    /// <summary>The freshest member's superblock records it as faulty or removed.</summary>
    MarkedFaultyByFreshest,

    /// <summary>It records the freshest member as failed: the two have diverged (split brain); mdadm ignores it too.</summary>
    ReportsFreshestFailed,

    /// <summary>Another, fresher member fills the same slot.</summary>
    DuplicateSlot,
}
