using NvmeNative.Errors;

namespace NvmeNative.Md.Format;

/// <summary>
/// What NvmeNative requires of a member's v1.2 metadata before it uses a field, beyond what the kernel's
/// super_1_load accepts (<see cref="Superblock1Rules"/>): a replica's contents are controlled by whoever writes
/// it (a storage backend, another host), so every size and offset is bounded by the device and by md's own limits,
/// and the areas (superblock, bitmap, bad-block log, data) must not overlap, before anything is allocated or read
/// from them. Superblocks the kernel writes always pass. Each broken bound throws an <see cref="MdSuperblockException"/>
/// naming the field; nothing here can overflow (all arithmetic is bounded first).
/// </summary>
internal static class MemberMetadataBounds
{
    /// <summary>
    /// The most bytes of bitmap bits NvmeNative reads, whatever the device and chunk size say: mdadm reserves at most
    /// 128 KiB for an internal bitmap (super1.c choose_bm_space) and sizes the chunk to fit; 16 MiB is 128 times
    /// that (134 million chunks), far beyond any bitmap md or mdadm writes, and small enough to read at once.
    /// </summary>
    internal const ulong MaxBitmapBytes = 16 << 20;

    /// <summary>
    /// Checks the superblock's own fields against the device (<paramref name="deviceSectors"/>): dev_number within
    /// dev_roles, raid_disks within max_dev, the array size within data_size, the data area and the bad-block log on
    /// the device and clear of the superblock.
    /// </summary>
    internal static void CheckSuperblock(Superblock1 sb, ulong deviceSectors, string? path)
    {
        if (sb.DevNumber >= (uint)sb.MaxDev)
            Fail($"dev_number {sb.DevNumber} is outside dev_roles (max_dev {sb.MaxDev}); md always records a member's own role", "dev_number", path);
        if (sb.RaidDisks < 1 || sb.RaidDisks > sb.MaxDev)
            Fail($"raid_disks is {sb.RaidDisks}; between 1 and max_dev ({sb.MaxDev}) slots are possible", "raid_disks", path);
        if (sb.Role < Interop.MdP.MD_DISK_ROLE_MAX && sb.Role >= sb.RaidDisks)
            Fail($"its own role is slot {sb.Role}, but the array has {sb.RaidDisks} slots", "dev_roles", path);
        if (sb.DataOffset > deviceSectors || deviceSectors - sb.DataOffset < sb.DataSize)
            Fail($"data_offset {sb.DataOffset} + data_size {sb.DataSize} sectors do not fit on the {deviceSectors}-sector device", "data_size", path);
        if (sb.Size > sb.DataSize)
            Fail($"size {sb.Size} sectors (the array's) is more than this member's data_size {sb.DataSize}", "size", path);

        if ((sb.FeatureMap & Superblock1Features.BadBlocks) != 0 && sb.BblogSize > 0)
        {
            long start = (long)sb.SuperOffset + sb.BblogOffset, end = start + sb.BblogSize;
            if (start < (long)SuperblockEndSector(sb) || end > (long)sb.DataOffset)
                Fail($"the bad-block log (sectors {start}..{end - 1}) is not between the superblock and the data (data_offset {sb.DataOffset})",
                    "bblog_offset", path);
        }
    }

    /// <summary>
    /// Checks the bitmap against the device and its array superblock before its bits are sized: sync_size within the
    /// device, the bits within <see cref="MaxBitmapBytes"/>, the bitmap between the superblock and the data and clear
    /// of the bad-block log.
    /// </summary>
    internal static void CheckBitmap(Superblock1 sb, BitmapSuperblock bitmap, ulong deviceSectors, string? path)
    {
        if (bitmap.SyncSize > deviceSectors)
            Fail($"bitmap sync_size {bitmap.SyncSize} sectors is more than the {deviceSectors}-sector device", "bitmap sync_size", path);
        if (bitmap.BitsBytes > MaxBitmapBytes)
            Fail($"the bitmap has {bitmap.Bits} bits ({bitmap.BitsBytes} bytes), more than the {MaxBitmapBytes} bytes md or mdadm ever use",
                "bitmap size", path);

        // In bytes; every term is bounded (bitmap_offset is 32-bit, the bits by MaxBitmapBytes, offsets by the device).
        long start = (long)sb.SuperOffset * 512 + (long)sb.BitmapOffset * 512;
        long end = start + BitmapSuperblock.Length + (long)bitmap.BitsBytes;
        long superblockStart = (long)sb.SuperOffset * 512;
        long superblockEnd = superblockStart + sb.EncodedLength;
        bool afterSuperblock = start >= superblockEnd && end <= (long)sb.DataOffset * 512;
        bool beforeSuperblock = start >= 0 && end <= superblockStart;
        if (!afterSuperblock && !beforeSuperblock)
            Fail($"the bitmap (bytes {start}..{end}) overlaps the superblock or the data (data_offset {sb.DataOffset} sectors)", "bitmap_offset", path);

        if ((sb.FeatureMap & Superblock1Features.BadBlocks) != 0 && sb.BblogSize > 0)
        {
            long logStart = ((long)sb.SuperOffset + sb.BblogOffset) * 512, logEnd = logStart + sb.BblogSize * 512L;
            if (logStart < end && start < logEnd)
                Fail($"the bad-block log (bytes {logStart}..{logEnd}) overlaps the bitmap (bytes {start}..{end})", "bblog_offset", path);
        }
    }

    // The first sector after the superblock's 256 + 2·max_dev bytes (v1.2: superblock and data never share a sector).
    private static ulong SuperblockEndSector(Superblock1 sb) => sb.SuperOffset + (ulong)(sb.EncodedLength + 511) / 512;

    private static void Fail(string message, string rule, string? path) => throw new MdSuperblockException(message, rule, path);
}
