namespace NvmeNative.Md.Format;

/// <summary>mdp_superblock_1.feature_map bits (linux/raid/md_p.h). The kernel refuses a superblock with any other bit.</summary>
[Flags]
internal enum Superblock1Features : uint
{
    None = 0,
    BitmapOffset = Interop.MdP.MD_FEATURE_BITMAP_OFFSET,
    RecoveryOffset = Interop.MdP.MD_FEATURE_RECOVERY_OFFSET,
    ReshapeActive = Interop.MdP.MD_FEATURE_RESHAPE_ACTIVE,
    BadBlocks = Interop.MdP.MD_FEATURE_BAD_BLOCKS,
    Replacement = Interop.MdP.MD_FEATURE_REPLACEMENT,
    ReshapeBackwards = Interop.MdP.MD_FEATURE_RESHAPE_BACKWARDS,
    NewOffset = Interop.MdP.MD_FEATURE_NEW_OFFSET,
    RecoveryBitmap = Interop.MdP.MD_FEATURE_RECOVERY_BITMAP,
    Clustered = Interop.MdP.MD_FEATURE_CLUSTERED,
    Journal = Interop.MdP.MD_FEATURE_JOURNAL,
    Ppl = Interop.MdP.MD_FEATURE_PPL,
    MultiplePpls = Interop.MdP.MD_FEATURE_MULTIPLE_PPLS,
    Raid0Layout = Interop.MdP.MD_FEATURE_RAID0_LAYOUT,

    /// <summary>MD_FEATURE_ALL: every bit the kernel knows (6.1 and 6.12 alike).</summary>
    All = BitmapOffset | RecoveryOffset | ReshapeActive | BadBlocks | Replacement | ReshapeBackwards | NewOffset
        | RecoveryBitmap | Clustered | Journal | Ppl | MultiplePpls | Raid0Layout,
}

/// <summary>mdp_superblock_1.devflags: per-device flags.</summary>
[Flags]
internal enum Superblock1DeviceFlags : byte
{
    None = 0,

    /// <summary>Read from this device only when no other mirror can serve the read (--write-mostly).</summary>
    WriteMostly = Interop.MdP.WriteMostly1,

    /// <summary>Send REQ_FAILFAST I/O and fail the device on its first error instead of retrying (--failfast).</summary>
    FailFast = Interop.MdP.FailFast1,
}
