namespace NvmeNative.Md;

/// <summary>GET_DISK_INFO's state bits (md_p.h MD_DISK_*), as flags.</summary>
[Flags]
public enum MdDiskStates
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>MD_DISK_FAULTY.</summary>
    Faulty = 1 << Interop.MdP.MD_DISK_FAULTY,

    /// <summary>MD_DISK_ACTIVE: fills a mirror slot.</summary>
    Active = 1 << Interop.MdP.MD_DISK_ACTIVE,

    /// <summary>MD_DISK_SYNC: in sync.</summary>
    Sync = 1 << Interop.MdP.MD_DISK_SYNC,

    /// <summary>MD_DISK_REMOVED: the descriptor number is unused.</summary>
    Removed = 1 << Interop.MdP.MD_DISK_REMOVED,

    /// <summary>MD_DISK_WRITEMOSTLY.</summary>
    WriteMostly = 1 << Interop.MdP.MD_DISK_WRITEMOSTLY,

    /// <summary>MD_DISK_FAILFAST.</summary>
    FailFast = 1 << Interop.MdP.MD_DISK_FAILFAST,

    /// <summary>MD_DISK_JOURNAL.</summary>
    Journal = 1 << Interop.MdP.MD_DISK_JOURNAL,
}
