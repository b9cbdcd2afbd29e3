namespace NvmeNative.Md;

/// <summary>The words of a member's <c>md/dev-*/state</c> attribute.</summary>
[Flags]
public enum MdMemberFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>faulty</c>: failed (by I/O error or by request); no longer used.</summary>
    Faulty = 1 << 0,

    /// <summary><c>in_sync</c>: holds a complete, current copy.</summary>
    InSync = 1 << 1,

    /// <summary><c>write_mostly</c>.</summary>
    WriteMostly = 1 << 2,

    /// <summary><c>blocked</c>: md waits for the failure to be acknowledged.</summary>
    Blocked = 1 << 3,

    /// <summary><c>spare</c>: attached but not (yet) an active mirror, e.g. while it is being rebuilt.</summary>
    Spare = 1 << 4,

    /// <summary><c>write_error</c>: a write to it failed at some point.</summary>
    WriteError = 1 << 5,

    /// <summary><c>want_replacement</c>.</summary>
    WantReplacement = 1 << 6,

    /// <summary><c>replacement</c>.</summary>
    Replacement = 1 << 7,

    /// <summary><c>failfast</c>: I/O to it is sent without retries, so a lost path fails the leg at once.</summary>
    FailFast = 1 << 8,

    /// <summary><c>journal</c>.</summary>
    Journal = 1 << 9,

    /// <summary><c>external_bbl</c>.</summary>
    ExternalBadBlocks = 1 << 10,
}
