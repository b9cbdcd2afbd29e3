namespace NvmeNative.Md;

/// <summary>Why assembling did not use a member.</summary>
public enum MdLeftOutReason
{
    /// <summary>No md v1.2 superblock on it (no md magic at 4 KiB: blank, or another format).</summary>
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

    /// <summary>
    /// It carries md metadata that cannot be used: a superblock or bitmap that breaks a rule of the kernel or a bound
    /// NvmeNative checks (bad checksum, sizes or offsets past the device, overlapping areas, an unknown version, a level
    /// other than RAID1). The detail names the field. Nothing is written to it.
    /// </summary>
    InvalidMetadata,
}
