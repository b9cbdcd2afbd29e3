using System.Buffers.Binary;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Md.Format;

/// <summary>The native md superblock formats, by where they live on a member.</summary>
internal enum MdSuperblockFormat
{
    /// <summary>0.90: 64 KiB-aligned, in the last 64..128 KiB of the device.</summary>
    V0_90,

    /// <summary>1.0: 8..12 KiB from the end of the device.</summary>
    V1_0,

    /// <summary>1.1: at the start of the device.</summary>
    V1_1,

    /// <summary>1.2: 4 KiB from the start of the device.</summary>
    V1_2,
}

/// <summary>An md superblock found on a device: which format and at which byte.</summary>
internal readonly record struct FoundMdSuperblock(MdSuperblockFormat Format, long ByteOffset);

/// <summary>
/// Finds and erases old md superblocks of every native format, as mdadm --create does before writing a new one
/// (write_init_super1 loops on Kill(), which zeroes each superblock it recognises — not blind ranges). A location
/// counts only when it holds the md magic with that format's major version (and, for 1.x, a super_offset naming that
/// very sector), the same tests mdadm's load_super0/load_super1 make.
/// </summary>
internal static class MdSuperblockProbe
{
    /// <summary>MD_RESERVED_SECTORS of 0.90: the superblock is in the last 64 KiB-aligned 64 KiB.</summary>
    private const ulong V090ReservedSectors = 128;

    /// <summary>MD_SB_BYTES: the 0.90 superblock's size.</summary>
    private const int V090Bytes = 4096;

    /// <summary>Every md superblock on the device, in the order 1.2, 1.1, 1.0, 0.90.</summary>
    internal static IReadOnlyList<FoundMdSuperblock> Find(SafeFdHandle fd, string path, long deviceBytes)
    {
        var found = new List<FoundMdSuperblock>();
        if (deviceBytes < MemberMetadataIO.MinimumDeviceBytes)
            return found;
        ulong sectors = (ulong)deviceBytes / 512;
        foreach (var (format, sector) in Locations(sectors))
        {
            byte[] head = MemberMetadataIO.ReadRange(fd, path, (long)sector * 512, 16);
            if (BinaryPrimitives.ReadUInt32LittleEndian(head) != Interop.MdP.MD_SB_MAGIC)
                continue;
            uint major = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4));
            if (format == MdSuperblockFormat.V0_90 ? major != 0 : major != 1 || SuperOffsetAt(fd, path, sector) != sector)
                continue;
            found.Add(new FoundMdSuperblock(format, (long)sector * 512));
        }
        return found;
    }

    /// <summary>
    /// Zeroes each found superblock (4 KiB for 0.90; one logical block, at least 512 bytes, for 1.x — what mdadm's
    /// Kill writes) and fsyncs. Nothing else on the device is touched.
    /// </summary>
    internal static void Erase(SafeFdHandle fd, string path, IEnumerable<FoundMdSuperblock> found, int logicalBlockSize = 512)
    {
        foreach (var sb in found)
        {
            int length = sb.Format == MdSuperblockFormat.V0_90 ? V090Bytes : Math.Max(512, logicalBlockSize);
            using var zeroes = new AlignedBuffer(AlignedBuffer.Alignment);
            Fd.PWrite(fd, zeroes.Span[..length], sb.ByteOffset, path);
        }
        Fd.Fsync(fd, path);
    }

    private static IEnumerable<(MdSuperblockFormat, ulong)> Locations(ulong sectors)
    {
        yield return (MdSuperblockFormat.V1_2, 8);
        yield return (MdSuperblockFormat.V1_1, 0);
        yield return (MdSuperblockFormat.V1_0, (sectors - 16) & ~7UL);
        if (sectors >= 2 * V090ReservedSectors)
            yield return (MdSuperblockFormat.V0_90, (sectors & ~(V090ReservedSectors - 1)) - V090ReservedSectors);
    }

    private static ulong SuperOffsetAt(SafeFdHandle fd, string path, ulong sector) =>
        BinaryPrimitives.ReadUInt64LittleEndian(
            MemberMetadataIO.ReadRange(fd, path, (long)sector * 512 + Superblock1Offsets.SuperOffset, 8));
}
