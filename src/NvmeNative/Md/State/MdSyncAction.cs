namespace NvmeNative.Md;

/// <summary>What md's sync thread is doing: the <c>md/sync_action</c> attribute.</summary>
public enum MdSyncAction
{
    /// <summary>A value this library does not know (a newer kernel).</summary>
    Unknown,

    /// <summary><c>idle</c>: nothing running.</summary>
    Idle,

    /// <summary><c>resync</c>: making the mirrors consistent after an unclean stop or a grow.</summary>
    Resync,

    /// <summary><c>recover</c>: rebuilding a (re-)added member, bitmap-guided for a re-add.</summary>
    Recover,

    /// <summary><c>check</c>: comparing mirrors without repairing.</summary>
    Check,

    /// <summary><c>repair</c>: comparing and repairing.</summary>
    Repair,

    /// <summary><c>reshape</c>.</summary>
    Reshape,

    /// <summary><c>frozen</c>: sync actions are suspended (mdadm's grow freezes them).</summary>
    Frozen,
}
