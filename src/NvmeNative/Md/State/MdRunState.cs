namespace NvmeNative.Md;

/// <summary>The <c>md/array_state</c> attribute.</summary>
public enum MdRunState
{
    /// <summary>A value this library does not know (a newer kernel).</summary>
    Unknown,

    /// <summary><c>clear</c>: no array configured.</summary>
    Clear,

    /// <summary><c>inactive</c>: members bound but not started.</summary>
    Inactive,

    /// <summary><c>suspended</c>.</summary>
    Suspended,

    /// <summary><c>readonly</c>: started read-only.</summary>
    ReadOnly,

    /// <summary><c>read-auto</c>: read-only until the first write.</summary>
    ReadAuto,

    /// <summary><c>clean</c>: running, no writes pending.</summary>
    Clean,

    /// <summary><c>active</c>: running, writes in flight.</summary>
    Active,

    /// <summary><c>write-pending</c>: a write waits for the superblock update.</summary>
    WritePending,

    /// <summary><c>active-idle</c>: active with no writes for the safe-mode delay.</summary>
    ActiveIdle,

    /// <summary><c>broken</c>: RAID1 lost its last leg (or a raid0/linear member is missing).</summary>
    Broken,
}
