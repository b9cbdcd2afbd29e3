using System.Buffers.Binary;
using NvmeNative.Errors;

namespace NvmeNative.Md.Format;

/// <summary>
/// The acceptance rules of the kernel's super_1_load (drivers/md/md.c, 5.10 to 7.x), in the kernel's order,
/// applied to a superblock image that starts with the md magic. Each broken rule throws an
/// <see cref="MdSuperblockException"/> whose <see cref="MdSuperblockException.Rule"/> is the field involved.
/// </summary>
internal static class Superblock1Rules
{
    /// <summary>The largest bad-block log the kernel loads: one page of sectors (PAGE_SIZE / 512).</summary>
    internal const int MaxBblogSectors = 4096 / 512;

    /// <param name="b">The superblock image.</param>
    /// <param name="path">The member, for messages.</param>
    /// <param name="superOffset">Where the image was read, in sectors.</param>
    /// <param name="deviceSectors">The member's size in sectors, when known.</param>
    /// <param name="logicalBlockSize">The member's logical block size.</param>
    /// <param name="kernelKnowsLogicalBlockSizeField">The running kernel reads pad3's first 4 bytes as logical_block_size
    /// (kernels after 6.18, which write it into the superblocks of the arrays they create): then only the remaining 28
    /// bytes of pad3 must be zero.</param>
    internal static void Check(ReadOnlySpan<byte> b, string? path, ulong superOffset, ulong? deviceSectors, int logicalBlockSize,
        bool kernelKnowsLogicalBlockSizeField = false)
    {
        if (logicalBlockSize < 512 || !uint.IsPow2((uint)logicalBlockSize))
            throw new ArgumentOutOfRangeException(nameof(logicalBlockSize), logicalBlockSize, "a logical block size is a power of two of at least 512");

        uint major = U32(b, Superblock1Offsets.MajorVersion);
        if (major != 1)
            Fail($"major_version is {major}; only version-1 superblocks are handled", "major_version", path);

        uint maxDev = U32(b, Superblock1Offsets.MaxDev);
        if (maxDev > Superblock1.MaxDevLimit)
            Fail($"max_dev is {maxDev}, above the kernel's limit of {Superblock1.MaxDevLimit}", "max_dev", path);
        int covered = Superblock1Offsets.HeadSize + 2 * (int)maxDev;
        if (b.Length < covered)
            throw new ArgumentException($"max_dev {maxDev} needs a {covered}-byte image, got {b.Length}", nameof(b));

        ulong storedOffset = U64(b, Superblock1Offsets.SuperOffset);
        if (storedOffset != superOffset)
            Fail($"super_offset is {storedOffset} but the superblock was read at sector {superOffset}", "super_offset", path);

        uint features = U32(b, Superblock1Offsets.FeatureMap);
        uint unknown = features & ~(uint)Superblock1Features.All;
        if (unknown != 0)
            Fail($"feature_map 0x{features:x} has bits the kernel does not know (0x{unknown:x})", "feature_map", path);

        uint stored = U32(b, Superblock1Offsets.SbCsum);
        uint computed = SuperblockChecksum.Compute(b[..covered]);
        if (stored != computed)
            Fail($"sb_csum is 0x{stored:x8} but the superblock sums to 0x{computed:x8} (corrupt or half-written)", "sb_csum", path);

        ulong dataSize = U64(b, Superblock1Offsets.DataSize);
        if (dataSize < 10)
            Fail($"data_size is {dataSize} sectors; the kernel needs at least 10", "data_size", path);

        if (U32(b, Superblock1Offsets.Pad0) != 0)
            Fail($"pad0 is 0x{U32(b, Superblock1Offsets.Pad0):x8}, not zero (a feature this kernel does not know)", "pad0", path);
        uint arrayBlockSize = U32(b, Superblock1Offsets.LogicalBlockSize);
        int padStart = kernelKnowsLogicalBlockSizeField ? 4 : 0;
        if (b.Slice(Superblock1Offsets.Pad3 + padStart, Superblock1Offsets.Pad3Length - padStart).IndexOfAnyExcept((byte)0) is int nonZero and >= 0)
        {
            if (!kernelKnowsLogicalBlockSizeField && nonZero < 4 && b.Slice(Superblock1Offsets.Pad3 + 4, Superblock1Offsets.Pad3Length - 4).IndexOfAnyExcept((byte)0) < 0)
                Fail($"pad3 byte {nonZero} is not zero: it holds logical_block_size {arrayBlockSize}, which a kernel after 6.18 records " +
                     "when it creates or runs an array; this kernel reads those bytes as padding and refuses the member, so " +
                     "assemble it on a kernel after 6.18", "pad3", path);
            Fail($"pad3 byte {nonZero + padStart} is not zero (a field of a kernel newer than this one)", "pad3", path);
        }
        if (kernelKnowsLogicalBlockSizeField && arrayBlockSize != 0 && (arrayBlockSize < 512 || !uint.IsPow2(arrayBlockSize) || arrayBlockSize > 4096))
            Fail($"logical_block_size is {arrayBlockSize}, not a power of two from 512 to the page size", "logical_block_size", path);

        // The superblock occupies 256 + 2·max_dev bytes rounded up to the logical block; data must start after it.
        // (The kernel checks this for minor versions 1 and 2, the ones with the superblock before the data,
        // which are the only ones this codec reads: a 1.0 superblock sits at the end of the member.)
        ulong sbSectors = (ulong)((covered + logicalBlockSize - 1) / logicalBlockSize * logicalBlockSize / 512);
        ulong dataOffset = U64(b, Superblock1Offsets.DataOffset);
        if (dataOffset < superOffset + sbSectors)
            Fail($"data_offset {dataOffset} overlaps the superblock (sectors {superOffset}..{superOffset + sbSectors - 1})", "data_offset", path);
        if ((features & (uint)(Superblock1Features.ReshapeActive | Superblock1Features.NewOffset))
            == (uint)(Superblock1Features.ReshapeActive | Superblock1Features.NewOffset))
        {
            long newDataOffset = (long)dataOffset + (int)U32(b, Superblock1Offsets.NewOffset);
            if (newDataOffset < (long)(superOffset + sbSectors))
                Fail($"data_offset + new_offset = {newDataOffset} overlaps the superblock", "new_offset", path);
        }

        if ((features & (uint)Superblock1Features.BadBlocks) != 0)
        {
            ushort bblogSize = BinaryPrimitives.ReadUInt16LittleEndian(b[Superblock1Offsets.BblogSize..]);
            if (bblogSize > MaxBblogSectors)
                Fail($"bblog_size is {bblogSize} sectors, more than the {MaxBblogSectors} the kernel loads", "bblog_size", path);
            if (U32(b, Superblock1Offsets.BblogOffset) == 0)
                Fail("the bad-block feature is set but bblog_offset is 0", "bblog_offset", path);
        }

        if ((features & (uint)Superblock1Features.Raid0Layout) != 0 && U32(b, Superblock1Offsets.Level) != 0)
            Fail($"feature RAID0_LAYOUT on a level {(int)U32(b, Superblock1Offsets.Level)} array", "feature_map", path);

        if (deviceSectors is ulong sectors && (sectors < dataOffset || sectors - dataOffset < dataSize))
            Fail($"data_offset {dataOffset} + data_size {dataSize} sectors do not fit on a {sectors}-sector device", "data_size", path);
    }

    private static void Fail(string message, string rule, string? path) => throw new MdSuperblockException(message, rule, path);

    private static uint U32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(b[offset..]);

    private static ulong U64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b[offset..]);
}
