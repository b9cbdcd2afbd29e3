using System.Buffers.Binary;

namespace NvmeNative.Md.Format;

/// <summary>
/// The v1.x superblock checksum, as the kernel (md.c calc_sb_1_csum) and mdadm (super1.c) compute it:
/// the little-endian 32-bit words of the first 256 + 2·max_dev bytes summed into 64 bits with sb_csum
/// taken as zero, a trailing 16-bit word added when the size is not a multiple of four, then one fold
/// of the high half into the low half (no second carry, on purpose: that is what both of them do).
/// </summary>
internal static unsafe class SuperblockChecksum
{
    /// <summary>Byte offset of sb_csum in struct mdp_superblock_1.</summary>
    internal static readonly int CsumOffset = OffsetOfCsum();

    /// <summary>Byte offset of max_dev in struct mdp_superblock_1.</summary>
    internal static readonly int MaxDevOffset = OffsetOfMaxDev();

    private static int OffsetOfCsum()
    {
        Interop.MdP.mdp_superblock_1 sb;
        return (int)((byte*)&sb.sb_csum - (byte*)&sb);
    }

    private static int OffsetOfMaxDev()
    {
        Interop.MdP.mdp_superblock_1 sb;
        return (int)((byte*)&sb.max_dev - (byte*)&sb);
    }

    /// <summary>Bytes the checksum covers: the fixed head plus dev_roles[max_dev].</summary>
    internal static int CoveredLength(ReadOnlySpan<byte> superblock) =>
        sizeof(Interop.MdP.mdp_superblock_1) + 2 * (int)BinaryPrimitives.ReadUInt32LittleEndian(superblock[MaxDevOffset..]);

    /// <summary>Computes the checksum of a superblock image (which must hold at least <see cref="CoveredLength"/> bytes).</summary>
    internal static uint Compute(ReadOnlySpan<byte> superblock)
    {
        int size = CoveredLength(superblock);
        if (superblock.Length < size)
            throw new ArgumentException($"superblock image holds {superblock.Length} bytes but max_dev needs {size}", nameof(superblock));
        ulong sum = 0;
        int words = size & ~3;
        for (int i = 0; i < words; i += 4)
        {
            if (i != CsumOffset)
                sum += BinaryPrimitives.ReadUInt32LittleEndian(superblock[i..]);
        }
        if ((size & 3) == 2)
            sum += BinaryPrimitives.ReadUInt16LittleEndian(superblock[words..]);
        return (uint)((sum & 0xffffffff) + (sum >> 32));
    }

    /// <summary>True when the stored sb_csum matches the computed one.</summary>
    internal static bool IsValid(ReadOnlySpan<byte> superblock) =>
        BinaryPrimitives.ReadUInt32LittleEndian(superblock[CsumOffset..]) == Compute(superblock);

    /// <summary>Computes and stores the checksum in place.</summary>
    internal static void Store(Span<byte> superblock) =>
        BinaryPrimitives.WriteUInt32LittleEndian(superblock[CsumOffset..], Compute(superblock));
}
