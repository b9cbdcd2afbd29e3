using System.Buffers.Binary;
using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Nvme;

public sealed class NamespaceIdentityTests
{
    /// <summary>An Identify Namespace answer with the given formats (LBADS, MS) and FLBAS.</summary>
    internal static byte[] IdNs(ulong nsze, byte flbas, params (byte Ds, ushort Ms)[] formats)
    {
        var data = new byte[4096];
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(0), nsze);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8), nsze);
        data[25] = (byte)(formats.Length - 1);
        data[26] = flbas;
        for (int i = 0; i < formats.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(128 + 4 * i), formats[i].Ms);
            data[128 + 4 * i + 2] = formats[i].Ds;
        }
        data.AsSpan(384).Fill(0xa5); // vendor-specific bytes must not matter
        return data;
    }

    [Fact]
    public void A_512_byte_format_gives_nsze_times_512()
    {
        var id = NamespaceIdentity.Parse(IdNs(32768, 0, (9, 0)), "test");
        Assert.Equal(32768UL, id.SizeInBlocks);
        Assert.Equal(512, id.LbaDataSize);
        Assert.Equal(16L << 20, id.SizeBytes);
        Assert.Equal(32768, id.SizeSectors);
    }

    [Fact]
    public void A_4k_format_counts_blocks_of_4096_bytes_and_sectors_of_512()
    {
        // os-brick compared NSZE (blocks) with sysfs size (sectors): 4096 != 32768, so it always timed out.
        var id = NamespaceIdentity.Parse(IdNs(4096, 0, (12, 0)), "test");
        Assert.Equal(4096, id.LbaDataSize);
        Assert.Equal(16L << 20, id.SizeBytes);
        Assert.Equal(32768, id.SizeSectors);
    }

    [Fact]
    public void The_current_format_is_flbas_not_the_first_one()
    {
        // Formatted as LBAF1 (4 KiB) while LBAF0 is 512: os-brick read lbaf[0] (and gave up on two formats).
        var id = NamespaceIdentity.Parse(IdNs(1000, 1, (9, 0), (12, 0), (12, 8)), "test");
        Assert.Equal(1, id.FormatIndex);
        Assert.Equal(3, id.FormatCount);
        Assert.Equal(4_096_000, id.SizeBytes);

        var withMetadata = NamespaceIdentity.Parse(IdNs(1000, 0x12, (9, 0), (12, 0), (12, 8)), "test"); // bit 4: extended LBA, not index
        Assert.Equal(2, withMetadata.FormatIndex);
        Assert.Equal(8, withMetadata.MetadataBytes);
        Assert.Equal(4_096_000, withMetadata.SizeBytes); // metadata is not data
    }

    [Theory]
    [InlineData(0x00, 0)]
    [InlineData(0x0f, 15)]
    [InlineData(0x10, 0)]  // bit 4 is "metadata at the end of the data LBA", not part of the index
    [InlineData(0x20, 16)] // bits 6:5 are index bits 5:4 (NVMe 2.0, more than 16 formats)
    [InlineData(0x41, 33)]
    [InlineData(0x6f, 63)]
    [InlineData(0x80, 0)]
    public void Flbas_bits_6_5_extend_the_index(byte flbas, int index) =>
        Assert.Equal(index, NamespaceIdentity.CurrentFormatIndex(flbas));

    [Fact]
    public void A_format_beyond_sixteen_is_found_through_the_high_flbas_bits()
    {
        var formats = Enumerable.Range(0, 20).Select(i => ((byte)(i == 17 ? 12 : 9), (ushort)0)).ToArray();
        var id = NamespaceIdentity.Parse(IdNs(10, 0x21, formats), "test");
        Assert.Equal(17, id.FormatIndex);
        Assert.Equal(40960, id.SizeBytes);
    }

    [Fact]
    public void A_current_format_the_namespace_does_not_list_is_refused()
    {
        var e = Assert.Throws<NvmeNativeException>(() => NamespaceIdentity.Parse(IdNs(10, 2, (9, 0), (12, 0)), "/dev/nvme0 nsid 1"));
        Assert.Contains("selects LBA format 2, but the namespace lists 2", e.Message);
        Assert.Contains("/dev/nvme0 nsid 1", e.Message);
    }

    [Theory]
    [InlineData(0)]  // "LBA format not currently available"
    [InlineData(8)]
    [InlineData(32)]
    public void A_block_size_no_host_can_use_is_refused(byte ds) =>
        Assert.Contains($"LBADS {ds}", Assert.Throws<NvmeNativeException>(() => NamespaceIdentity.Parse(IdNs(10, 0, (ds, 0)), "t")).Message);

    [Fact]
    public void An_inactive_namespace_is_refused_rather_than_sized_zero() =>
        Assert.Contains("inactive", Assert.Throws<NvmeNativeException>(() => NamespaceIdentity.Parse(new byte[4096], "t")).Message);

    [Fact]
    public void A_short_answer_is_refused() =>
        Assert.Contains("4095 bytes", Assert.Throws<NvmeNativeException>(() => NamespaceIdentity.Parse(new byte[4095], "t")).Message);

    [Fact]
    public void A_size_beyond_64_bits_is_refused() =>
        Assert.Contains("does not fit", Assert.Throws<NvmeNativeException>(() => NamespaceIdentity.Parse(IdNs(ulong.MaxValue / 1024, 0, (12, 0)), "t")).Message);
}
