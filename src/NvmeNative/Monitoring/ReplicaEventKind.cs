namespace NvmeNative.Monitoring;

/// <summary>What happened to a replicated volume, one of its replicas or a replica's controller.</summary>
public enum ReplicaEventKind
{
    /// <summary>md marked a member faulty (an I/O error on a failfast leg, or a request).</summary>
    MemberFaulty,

    /// <summary>A member left the array (hot-removed, or its device went away).</summary>
    MemberRemoved,

    /// <summary>A replica's namespace block device went away (its namespace or its last path is gone).</summary>
    PathLost,

    /// <summary>A replica's namespace block device is back.</summary>
    PathRestored,

    /// <summary>A replica's controller left <c>live</c> (resetting, connecting).</summary>
    ControllerReconnecting,

    /// <summary>A replica's controller is <c>live</c> again.</summary>
    ControllerLive,

    /// <summary>A former member is back in the array, rebuilt from the write-intent bitmap (or fully, when md chose).</summary>
    MemberReAdded,

    /// <summary>A member was added for a full rebuild (a blank replica, or one md would not re-add).</summary>
    MemberAdded,

    /// <summary>md started a recovery or resync.</summary>
    RebuildStarted,

    /// <summary>The recovery or resync advanced (reported per tenth of the array).</summary>
    RebuildProgress,

    /// <summary>The recovery or resync ended.</summary>
    RebuildFinished,

    /// <summary>The array runs with fewer in-sync mirrors than slots.</summary>
    ArrayDegraded,

    /// <summary>Every slot holds an in-sync mirror again.</summary>
    ArrayOptimal,

    /// <summary>The array stopped (or its md device went away).</summary>
    ArrayStopped,

    /// <summary>Healing declined to put a replica back (another array's superblock, a diverged replica) and why.</summary>
    HealRefused,

    /// <summary>Healing tried to put a replica back and md refused both a re-add and an add.</summary>
    HealFailed,
}
