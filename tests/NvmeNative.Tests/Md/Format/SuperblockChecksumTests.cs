using System.Buffers.Binary;
using NvmeNative.Md.Format;

namespace NvmeNative.Tests.Md.Format;

public sealed class SuperblockChecksumTests
{
    /// <summary>The test vector from md-raid.md §1.3 (computed with the kernel's calc_sb_1_csum).</summary>
    internal static byte[] ReferenceVector()
    {
        var sb = new byte[256 + 2 * 128];
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0x00), 0xa92b4efc);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0x04), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0x08), 1);
        for (int i = 0; i < 16; i++)
        {
            sb[0x10 + i] = (byte)i;
            sb[0xA8 + i] = (byte)(0x10 + i);
        }
        "any:vol1"u8.CopyTo(sb.AsSpan(0x20));
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0x40), 0x60000000);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0x48), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0x50), 209582080);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0x5C), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0x60), 8);
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0x80), 133120);
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0x88), 209582080);
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0x90), 8);
        sb[0xB8] = 2;
        BinaryPrimitives.WriteUInt16LittleEndian(sb.AsSpan(0xBA), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0xBC), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0xC0), 0x60000000);
        BinaryPrimitives.WriteUInt64LittleEndian(sb.AsSpan(0xD0), ulong.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0xDC), 128);
        BinaryPrimitives.WriteUInt16LittleEndian(sb.AsSpan(0x100), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(sb.AsSpan(0x102), 1);
        for (int i = 2; i < 128; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(sb.AsSpan(0x100 + 2 * i), 0xffff);
        return sb;
    }

    [Fact]
    public void Reference_vector_checksums_to_the_kernel_value()
    {
        Assert.Equal(0x76989decu, SuperblockChecksum.Compute(ReferenceVector()));
    }

    [Fact]
    public void Stored_checksum_is_ignored_while_computing_and_validates_after_store()
    {
        var sb = ReferenceVector();
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0xD8), 0xdeadbeef);
        Assert.Equal(0x76989decu, SuperblockChecksum.Compute(sb));
        Assert.False(SuperblockChecksum.IsValid(sb));
        SuperblockChecksum.Store(sb);
        Assert.True(SuperblockChecksum.IsValid(sb));
        Assert.Equal(new byte[] { 0xec, 0x9d, 0x98, 0x76 }, sb.AsSpan(0xD8, 4).ToArray());
    }

    [Fact]
    public void Any_flipped_byte_in_the_covered_range_invalidates_it()
    {
        var sb = ReferenceVector();
        SuperblockChecksum.Store(sb);
        sb[0x102] ^= 0x01; // dev_roles[1]
        Assert.False(SuperblockChecksum.IsValid(sb));
    }

    [Fact]
    public void Odd_max_dev_adds_the_trailing_half_word()
    {
        // max_dev = 1 gives 258 bytes: 64 words and one 16-bit tail, which must count.
        var sb = new byte[258];
        BinaryPrimitives.WriteUInt32LittleEndian(sb.AsSpan(0xDC), 1);
        uint without = SuperblockChecksum.Compute(sb);
        BinaryPrimitives.WriteUInt16LittleEndian(sb.AsSpan(0x100), 0x1234);
        Assert.Equal(without + 0x1234u, SuperblockChecksum.Compute(sb));
    }

    [Fact]
    public void Offsets_come_from_the_struct()
    {
        Assert.Equal(0xD8, SuperblockChecksum.CsumOffset);
        Assert.Equal(0xDC, SuperblockChecksum.MaxDevOffset);
    }

    [Fact]
    public void Short_image_is_rejected()
    {
        var sb = ReferenceVector();
        Assert.Throws<ArgumentException>(() => SuperblockChecksum.Compute(sb.AsSpan(0, 300)));
    }
}
