namespace NvmeNative.Md;

/// <summary>An array as GET_ARRAY_INFO and GET_DISK_INFO report it.</summary>
/// <param name="Device">The md device.</param>
/// <param name="MajorVersion">Superblock major version (1).</param>
/// <param name="MinorVersion">Superblock minor version (2 for 1.2).</param>
/// <param name="Level">RAID level.</param>
/// <param name="ComponentSizeKiB">Size used on each member in KiB; -1 when it does not fit the ioctl's int (2 TiB and up: read sysfs instead).</param>
/// <param name="RaidDisks">Mirror slots.</param>
/// <param name="NrDisks">Members attached.</param>
/// <param name="ActiveDisks">In-sync members.</param>
/// <param name="WorkingDisks">Members that are not faulty.</param>
/// <param name="FailedDisks">Faulty members.</param>
/// <param name="SpareDisks">Working members that are not in sync (spares, members being rebuilt).</param>
/// <param name="Clean">MD_SB_CLEAN: no writes in flight.</param>
/// <param name="HasInternalBitmap">MD_SB_BITMAP_PRESENT.</param>
/// <param name="Disks">Every attached member.</param>
public sealed record MdArrayInfo(
    MdDeviceName Device,
    int MajorVersion,
    int MinorVersion,
    int Level,
    long ComponentSizeKiB,
    int RaidDisks,
    int NrDisks,
    int ActiveDisks,
    int WorkingDisks,
    int FailedDisks,
    int SpareDisks,
    bool Clean,
    bool HasInternalBitmap,
    IReadOnlyList<MdDiskInfo> Disks);
