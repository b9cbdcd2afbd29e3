namespace NvmeNative.Md.Format;

/// <summary>
/// The md metadata of one member: its v1.2 superblock and, with an internal bitmap, the bitmap superblock and
/// bits (ceil(bits / 8) bytes, bit i = chunk i, little-endian bit order: byte i / 8, bit i % 8; empty when the reader
/// was not asked for them).
/// </summary>
internal sealed record MemberMetadata(Superblock1 Superblock, BitmapSuperblock? Bitmap, ReadOnlyMemory<byte> BitmapBits)
{
    /// <summary>The v1.2 superblock's byte offset on the member.</summary>
    internal const long SuperblockByteOffset = (long)Superblock1.V12SuperOffset * 512;

    /// <summary>Byte offset of the bitmap superblock on the member (superblock + signed bitmap_offset sectors).</summary>
    internal long BitmapByteOffset => SuperblockByteOffset + (long)Superblock.BitmapOffset * 512;

    /// <summary>True when chunk <paramref name="chunk"/> is marked dirty (needs resync) in the bits read or built.</summary>
    internal bool IsChunkDirty(ulong chunk)
    {
        if (Bitmap is null)
            throw new InvalidOperationException("this member has no bitmap");
        if ((ulong)BitmapBits.Length != Bitmap.BitsBytes)
            throw new InvalidOperationException("the bitmap's bits were not read");
        if (chunk >= Bitmap.Bits)
            throw new ArgumentOutOfRangeException(nameof(chunk), chunk, $"the bitmap has {Bitmap.Bits} chunks");
        return (BitmapBits.Span[(int)(chunk / 8)] >> (int)(chunk % 8) & 1) != 0;
    }

    /// <summary>Dirty chunks among the first <see cref="BitmapSuperblock.Bits"/>.</summary>
    internal ulong DirtyChunks()
    {
        if (Bitmap is null)
            return 0;
        ulong dirty = 0;
        for (ulong i = 0; i < Bitmap.Bits; i++)
            if (IsChunkDirty(i))
                dirty++;
        return dirty;
    }
}
