using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Md.Format;

/// <summary>
/// Reads and writes a member's v1.2 metadata through a file descriptor: the superblock at byte 4096 and the
/// internal bitmap at 4096 + bitmap_offset·512. Every transfer uses 4 KiB-aligned buffers, offsets and lengths,
/// so the descriptor may be opened with O_DIRECT. That matters when reading a member the kernel is using:
/// md writes its superblocks with bios that bypass the block device's page cache, so a buffered read can
/// return an old copy while some other opener keeps the device open.
/// </summary>
internal static class MemberMetadataIO
{
    private const int Block = AlignedBuffer.Alignment;

    /// <summary>mdadm ignores devices under 24 sectors (12 KiB): there is no room for v1.x metadata.</summary>
    internal const long MinimumDeviceBytes = 24 * 512;

    /// <summary>
    /// Reads the member's metadata: null when there is no md superblock at 4 KiB (zeroes, a file system, another
    /// format, or a device too small for md); throws when there is one that the kernel would refuse or that breaks
    /// <see cref="MemberMetadataBounds"/>. Whatever the member holds, at most 8 KiB are read (plus the bits when asked
    /// for, at most <see cref="MemberMetadataBounds.MaxBitmapBytes"/>) and nothing overflows.
    /// </summary>
    /// <param name="fd">The member, opened for reading.</param>
    /// <param name="path">The member's path, for errors.</param>
    /// <param name="deviceBytes">The member's size (BLKGETSIZE64).</param>
    /// <param name="logicalBlockSize">The member's logical block size (BLKSSZGET).</param>
    /// <param name="readBits">Read the bitmap's bits too (only copying the metadata to a new member needs them); else
    /// <see cref="MemberMetadata.BitmapBits"/> is empty.</param>
    /// <param name="kernelKnowsLogicalBlockSizeField">The running kernel reads the superblock's logical_block_size field
    /// (see <see cref="MdPaths.KernelKnowsLogicalBlockSizeField"/>).</param>
    /// <exception cref="MdSuperblockException">An md superblock or bitmap that breaks a kernel rule or a bound.</exception>
    internal static MemberMetadata? Read(SafeFdHandle fd, string path, long deviceBytes, int logicalBlockSize = 512, bool readBits = true,
        bool kernelKnowsLogicalBlockSizeField = false)
    {
        if (deviceBytes < MinimumDeviceBytes)
            return null;
        ulong sectors = (ulong)deviceBytes / 512;
        byte[] image = ReadRange(fd, path, MemberMetadata.SuperblockByteOffset, Superblock1.ImageLength);
        try
        {
            var sb = Superblock1.ParseIfPresent(image, path, Superblock1.V12SuperOffset, sectors, logicalBlockSize, kernelKnowsLogicalBlockSizeField);
            if (sb is null)
                return null;
            MemberMetadataBounds.CheckSuperblock(sb, sectors, path);
            if ((sb.FeatureMap & Superblock1Features.BitmapOffset) == 0)
                return new MemberMetadata(sb, null, ReadOnlyMemory<byte>.Empty);

            long bitmapStart = MemberMetadata.SuperblockByteOffset + (long)sb.BitmapOffset * 512;
            if (bitmapStart < 0 || bitmapStart + BitmapSuperblock.Length > deviceBytes)
                throw new MdSuperblockException($"bitmap_offset {sb.BitmapOffset} puts the bitmap outside the {deviceBytes}-byte device",
                    "bitmap_offset", path);
            var bitmap = BitmapSuperblock.Parse(ReadRange(fd, path, bitmapStart, BitmapSuperblock.Length), path);
            bitmap.CheckBelongsTo(sb, path);
            MemberMetadataBounds.CheckBitmap(sb, bitmap, sectors, path);
            if (!readBits)
                return new MemberMetadata(sb, bitmap, ReadOnlyMemory<byte>.Empty);
            byte[] bits = ReadRange(fd, path, bitmapStart + BitmapSuperblock.Length, (int)bitmap.BitsBytes);
            return new MemberMetadata(sb, bitmap, bits);
        }
        catch (OverflowException e)
        {
            // The bounds above leave no arithmetic that can overflow; should one be missed, the member is still only
            // unusable (a left-out member), never a failed attach.
            throw new MdSuperblockException($"a field is out of range: {e.Message}", "range", path);
        }
    }

    private static InvalidInputException Invalid(string message, string part, string path) =>
        new(message, "validate md " + part, part, path);

    /// <summary>
    /// Writes the member's superblock (one 4 KiB block: superblock then zeroes) and, when it has one, its bitmap
    /// (bitmap superblock, bits, then 0xff up to the 4 KiB boundary, as mdadm's write_bitmap1), then fsyncs so the
    /// kernel, which reads members with bios that bypass the page cache, sees them. Everything is checked first:
    /// a layout that does not fit the device fails before a byte is written.
    /// </summary>
    /// <exception cref="InvalidInputException">The metadata does not fit this device or is not a v1.2 layout.</exception>
    internal static void Write(SafeFdHandle fd, string path, MemberMetadata metadata, long deviceBytes)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var sb = metadata.Superblock;
        ulong sectors = (ulong)deviceBytes / 512;
        if (sb.SuperOffset != Superblock1.V12SuperOffset)
            throw Invalid($"super_offset is {sb.SuperOffset}; a v1.2 superblock is at sector 8", "superblock", path);
        if (sb.EncodedLength > Block)
            throw Invalid($"the superblock is {sb.EncodedLength} bytes; at most {Block} fit before the bitmap", "superblock", path);
        if (sb.DataOffset > sectors || sectors - sb.DataOffset < sb.DataSize)
            throw Invalid(
                $"data_offset {sb.DataOffset} + data_size {sb.DataSize} sectors do not fit on the {sectors}-sector device", "superblock", path);
        MemberMetadataBounds.CheckSuperblock(sb, sectors, path);
        byte[] superblock = sb.ToBlock(Block);

        byte[]? area = null;
        if ((sb.FeatureMap & Superblock1Features.BitmapOffset) != 0)
        {
            var bitmap = metadata.Bitmap
                ?? throw Invalid("feature_map says there is a bitmap but none was given", "bitmap", path);
            if (sb.BitmapOffset < Raid1Layout.BitmapOffset || sb.BitmapOffset % 8 != 0)
                throw Invalid($"bitmap_offset {sb.BitmapOffset}: a v1.2 bitmap starts 4 KiB-aligned after the superblock", "bitmap", path);
            if ((ulong)metadata.BitmapBits.Length != bitmap.BitsBytes)
                throw Invalid($"{metadata.BitmapBits.Length} bytes of bits for a {bitmap.Bits}-bit bitmap", "bitmap", path);
            bitmap.CheckFields(path);
            bitmap.CheckBelongsTo(sb, path);
            MemberMetadataBounds.CheckBitmap(sb, bitmap, sectors, path);
            area = new byte[bitmap.AreaBytes(sb.BitmapOffset)];
            area.AsSpan().Fill(0xff);
            bitmap.WriteTo(area);
            metadata.BitmapBits.Span.CopyTo(area.AsSpan(BitmapSuperblock.Length));
        }

        WriteRange(fd, path, MemberMetadata.SuperblockByteOffset, superblock);
        if (area is not null)
            WriteRange(fd, path, metadata.BitmapByteOffset, area);
        Fd.Fsync(fd, path);
    }

    /// <summary>pread of an arbitrary range through a 4 KiB-aligned bounce buffer.</summary>
    internal static byte[] ReadRange(SafeFdHandle fd, string path, long offset, int length)
    {
        long start = offset / Block * Block;
        int span = checked((int)((offset + length - start + Block - 1) / Block * Block));
        using var buffer = new AlignedBuffer(span);
        int read = Fd.PRead(fd, buffer.Span, start, path);
        if (read < offset - start + length)
            throw new MdSuperblockException($"the device ended after {start + read} bytes; md metadata needs bytes up to {offset + length}",
                "device size", path);
        return buffer.Span.Slice((int)(offset - start), length).ToArray();
    }

    /// <summary>pwrite of a 4 KiB-aligned range through a 4 KiB-aligned buffer.</summary>
    internal static void WriteRange(SafeFdHandle fd, string path, long offset, ReadOnlySpan<byte> data)
    {
        if (offset % Block != 0 || data.Length % Block != 0)
            throw new ArgumentException($"metadata writes are {Block}-byte aligned (offset {offset}, length {data.Length})");
        using var buffer = new AlignedBuffer(data.Length);
        data.CopyTo(buffer.Span);
        Fd.PWrite(fd, buffer.Span, offset, path);
    }
}
