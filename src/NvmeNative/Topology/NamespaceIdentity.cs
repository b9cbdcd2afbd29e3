using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NvmeNative.Errors;

namespace NvmeNative.Topology;

/// <summary>
/// What an Identify Namespace (CNS 00h) answer says about a namespace's size: NSZE logical blocks of the
/// data size of the CURRENT LBA format (FLBAS), which is what the kernel sizes the block device from. This
/// fixes os-brick's extend (limitation 5.3#7), which read <c>lbaf[0]</c>, gave up when a namespace reported
/// more than one format, and compared blocks with the 512-byte sectors of sysfs <c>size</c>.
/// </summary>
/// <param name="SizeInBlocks">NSZE: the namespace size in logical blocks.</param>
/// <param name="FormatIndex">The current LBA format, from FLBAS bits 3:0 and 6:5.</param>
/// <param name="FormatCount">NLBAF + 1: how many LBA formats the namespace lists.</param>
/// <param name="LbaDataSizeShift">LBADS of the current format: the block size is 2^LBADS bytes.</param>
/// <param name="MetadataBytes">MS of the current format: metadata bytes per block (not part of the data size).</param>
internal readonly record struct NamespaceIdentity(ulong SizeInBlocks, int FormatIndex, int FormatCount, int LbaDataSizeShift, int MetadataBytes)
{
    // Block sizes the kernel can take: 512 bytes up to the page size it supports (it refuses others); 2^31
    // bounds the shift so the multiplication below cannot be asked to shift past 63 bits.
    private const int MinLbaDataSizeShift = 9;
    private const int MaxLbaDataSizeShift = 31;

    /// <summary>The logical block size in bytes.</summary>
    internal long LbaDataSize => 1L << LbaDataSizeShift;

    /// <summary>The namespace size in bytes (NSZE × block size): what BLKGETSIZE64 reports once the host caught up.</summary>
    internal long SizeBytes => checked((long)SizeInBlocks * LbaDataSize);

    /// <summary>The size in the 512-byte sectors of sysfs <c>size</c>.</summary>
    internal long SizeSectors => SizeBytes / 512;

    /// <summary>Parses the 4096-byte Identify Namespace data structure.</summary>
    /// <param name="data">The controller's answer.</param>
    /// <param name="source">What was asked (device and nsid), for errors.</param>
    /// <exception cref="NvmeNativeException">The answer is short, names an inactive namespace (NSZE 0), or its
    /// current format is not listed or has a block size the kernel cannot use.</exception>
    internal static NamespaceIdentity Parse(ReadOnlySpan<byte> data, string source)
    {
        const string op = "parse Identify Namespace";
        if (data.Length < Interop.NvmeIdentify.NVME_IDENTIFY_DATA_SIZE)
            throw new NvmeNativeException($"the Identify Namespace data has {data.Length} bytes, not {Interop.NvmeIdentify.NVME_IDENTIFY_DATA_SIZE}", op, source);
        var id = MemoryMarshal.Read<Interop.NvmeIdentify.nvme_id_ns>(data);
        ulong nsze = BitConverter.IsLittleEndian ? id.nsze : BinaryPrimitives.ReverseEndianness(id.nsze);
        if (nsze == 0)
            throw new NvmeNativeException("the controller reports the namespace as inactive (NSZE 0): it was removed or detached on the target", op, source);
        int count = id.nlbaf + 1;
        int index = CurrentFormatIndex(id.flbas);
        if (index >= count)
            throw new NvmeNativeException($"FLBAS 0x{id.flbas:x2} selects LBA format {index}, but the namespace lists {count}", op, source);
        var format = id.lbaf[index];
        int ms = BitConverter.IsLittleEndian ? format.ms : BinaryPrimitives.ReverseEndianness(format.ms);
        if (format.ds is < MinLbaDataSizeShift or > MaxLbaDataSizeShift)
            throw new NvmeNativeException($"the current LBA format {index} has LBADS {format.ds} (a block of 2^{format.ds} bytes), which no host can use", op, source);
        var identity = new NamespaceIdentity(nsze, index, count, format.ds, ms);
        try
        {
            _ = identity.SizeBytes;
        }
        catch (OverflowException)
        {
            throw new NvmeNativeException($"NSZE {nsze} blocks of {identity.LbaDataSize} bytes does not fit in 64 bits", op, source);
        }
        return identity;
    }

    /// <summary>The current LBA format index (kernel nvme_lbaf_index): FLBAS bits 3:0, plus bits 6:5 as index bits 5:4.</summary>
    internal static int CurrentFormatIndex(byte flbas) =>
        (flbas & Interop.NvmeIdentify.NVME_NS_FLBAS_LBA_MASK) |
        ((flbas & Interop.NvmeIdentify.NVME_NS_FLBAS_LBA_UMASK) >> Interop.NvmeIdentify.NVME_NS_FLBAS_LBA_SHIFT);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{SizeInBlocks} blocks of {LbaDataSize} bytes (LBA format {FormatIndex} of {FormatCount}{(MetadataBytes > 0 ? $", {MetadataBytes} metadata bytes" : "")})";
}
