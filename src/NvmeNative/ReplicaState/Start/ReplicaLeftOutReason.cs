namespace NvmeNative.ReplicaState;

/// <summary>Why the start rule did not use a replica as a source.</summary>
public enum ReplicaLeftOutReason
{
    /// <summary>Not reachable.</summary>
    Unreachable,

    /// <summary>Reachable, but without an md superblock (blank or replaced).</summary>
    NoSuperblock,

    /// <summary>Its superblock belongs to another array.</summary>
    OtherArray,

    /// <summary>Its own superblock says spare or faulty.</summary>
    NotActive,

    /// <summary>The record marks it failed: never a source, whatever its superblock says.</summary>
    MarkedFailedInRecord,

    /// <summary>The record says it was being rebuilt: its data is incomplete.</summary>
    RebuildingInRecord,

    /// <summary>The record says it was removed.</summary>
    RemovedInRecord,

    /// <summary>The record does not list it.</summary>
    NotInRecord,

    /// <summary>Its event count is below the record's known-good one: it missed writes.</summary>
    BehindRecord,

    /// <summary>More than one event behind the freshest source.</summary>
    Stale,

    /// <summary>The freshest source's superblock marks it faulty or spare.</summary>
    MarkedFaultyByFreshest,

    /// <summary>It ran without a source while that source went on too: both have writes the other lacks.</summary>
    SplitBrain,

    /// <summary>A fresher source holds the same dev_number.</summary>
    DuplicateSlot,

    /// <summary>
    /// Reachable, but its md metadata cannot be used (a superblock or bitmap that breaks a kernel rule or a bound:
    /// bad checksum, sizes or offsets past the device, overlapping areas); never a source and never written.
    /// </summary>
    InvalidMetadata,
}
