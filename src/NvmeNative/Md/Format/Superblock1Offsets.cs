namespace NvmeNative.Md.Format;

/// <summary>
/// Byte offsets of the fields of struct mdp_superblock_1, taken from <see cref="Interop.MdP.mdp_superblock_1"/>
/// (whose layout gcc checks against linux/raid/md_p.h) instead of being typed in a second time.
/// </summary>
internal static unsafe class Superblock1Offsets
{
    internal static readonly int HeadSize = sizeof(Interop.MdP.mdp_superblock_1);
    internal static readonly int Magic;
    internal static readonly int MajorVersion;
    internal static readonly int FeatureMap;
    internal static readonly int Pad0;
    internal static readonly int SetUuid;
    internal static readonly int SetName;
    internal static readonly int CTime;
    internal static readonly int Level;
    internal static readonly int Layout;
    internal static readonly int Size;
    internal static readonly int ChunkSize;
    internal static readonly int RaidDisks;
    internal static readonly int BitmapOffset;
    internal static readonly int NewLevel;
    internal static readonly int ReshapePosition;
    internal static readonly int DeltaDisks;
    internal static readonly int NewLayout;
    internal static readonly int NewChunk;
    internal static readonly int NewOffset;
    internal static readonly int DataOffset;
    internal static readonly int DataSize;
    internal static readonly int SuperOffset;
    internal static readonly int RecoveryOffset;
    internal static readonly int DevNumber;
    internal static readonly int CntCorrectedRead;
    internal static readonly int DeviceUuid;
    internal static readonly int DevFlags;
    internal static readonly int BblogShift;
    internal static readonly int BblogSize;
    internal static readonly int BblogOffset;
    internal static readonly int UTime;
    internal static readonly int Events;
    internal static readonly int ResyncOffset;
    internal static readonly int SbCsum;
    internal static readonly int MaxDev;
    internal static readonly int Pad3;

    /// <summary>set_name bytes.</summary>
    internal const int SetNameLength = 32;

    /// <summary>
    /// pad3 in the released headers (32 bytes, all zero for kernels up to 6.18). Kernels with configurable logical block
    /// sizes (6.19 and later) use its first 4 bytes as <c>__le32 logical_block_size</c> and keep the other 28 zero.
    /// </summary>
    internal const int Pad3Length = 32;

    /// <summary>logical_block_size: the first 4 bytes of <see cref="Pad3"/> (0x0E0), known to kernels after 6.18.</summary>
    internal static int LogicalBlockSize => Pad3;

    /// <summary>dev_roles[] starts right after the fixed head.</summary>
    internal static int DevRoles => HeadSize;

#pragma warning disable CA1810 // one struct instance gives every offset; initialising inline would need 36 of them
    static Superblock1Offsets()
    {
        Interop.MdP.mdp_superblock_1 sb;
        byte* b = (byte*)&sb;
        Magic = (int)((byte*)&sb.magic - b);
        MajorVersion = (int)((byte*)&sb.major_version - b);
        FeatureMap = (int)((byte*)&sb.feature_map - b);
        Pad0 = (int)((byte*)&sb.pad0 - b);
        SetUuid = (int)(sb.set_uuid - b);
        SetName = (int)(sb.set_name - b);
        CTime = (int)((byte*)&sb.ctime - b);
        Level = (int)((byte*)&sb.level - b);
        Layout = (int)((byte*)&sb.layout - b);
        Size = (int)((byte*)&sb.size - b);
        ChunkSize = (int)((byte*)&sb.chunksize - b);
        RaidDisks = (int)((byte*)&sb.raid_disks - b);
        BitmapOffset = (int)((byte*)&sb.bitmap_offset - b);
        NewLevel = (int)((byte*)&sb.new_level - b);
        ReshapePosition = (int)((byte*)&sb.reshape_position - b);
        DeltaDisks = (int)((byte*)&sb.delta_disks - b);
        NewLayout = (int)((byte*)&sb.new_layout - b);
        NewChunk = (int)((byte*)&sb.new_chunk - b);
        NewOffset = (int)((byte*)&sb.new_offset - b);
        DataOffset = (int)((byte*)&sb.data_offset - b);
        DataSize = (int)((byte*)&sb.data_size - b);
        SuperOffset = (int)((byte*)&sb.super_offset - b);
        RecoveryOffset = (int)((byte*)&sb.recovery_offset - b);
        DevNumber = (int)((byte*)&sb.dev_number - b);
        CntCorrectedRead = (int)((byte*)&sb.cnt_corrected_read - b);
        DeviceUuid = (int)(sb.device_uuid - b);
        DevFlags = (int)(&sb.devflags - b);
        BblogShift = (int)(&sb.bblog_shift - b);
        BblogSize = (int)((byte*)&sb.bblog_size - b);
        BblogOffset = (int)((byte*)&sb.bblog_offset - b);
        UTime = (int)((byte*)&sb.utime - b);
        Events = (int)((byte*)&sb.events - b);
        ResyncOffset = (int)((byte*)&sb.resync_offset - b);
        SbCsum = (int)((byte*)&sb.sb_csum - b);
        MaxDev = (int)((byte*)&sb.max_dev - b);
        Pad3 = (int)(sb.pad3 - b);
    }
#pragma warning restore CA1810
}
