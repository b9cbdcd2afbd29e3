using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NvmeNative.Tests.InteropTests;

/// <summary>
/// The Identify Namespace layout is not in the UAPI headers, so gcc cannot check it: these tests pin it to the
/// NVMe Base Specification 2.0 (Figure 280: NSZE bytes 7:0, NLBAF byte 25, FLBAS byte 26, LBAF0 at byte 128,
/// 4096 bytes in all; Figure 281: MS bits 15:0, LBADS bits 23:16). NamespaceIdentityTests pins the size parsing.
/// </summary>
public sealed class NvmeIdentifyLayoutTests
{
    [Fact]
    public void The_identify_namespace_struct_has_the_specifications_offsets()
    {
        Assert.Equal(4096, Unsafe.SizeOf<Interop.NvmeIdentify.nvme_id_ns>());
        Assert.Equal(4, Unsafe.SizeOf<Interop.NvmeIdentify.nvme_lbaf>());
        Assert.Equal(256, Unsafe.SizeOf<Interop.NvmeIdentify.nvme_lbaf_list>());
        Assert.Equal(0, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.nsze)));
        Assert.Equal(8, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.ncap)));
        Assert.Equal(16, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.nuse)));
        Assert.Equal(24, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.nsfeat)));
        Assert.Equal(25, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.nlbaf)));
        Assert.Equal(26, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.flbas)));
        Assert.Equal(128, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.lbaf)));
        Assert.Equal(384, Offset(nameof(Interop.NvmeIdentify.nvme_id_ns.vs)));
        Assert.Equal(2, (int)Marshal.OffsetOf<Interop.NvmeIdentify.nvme_lbaf>(nameof(Interop.NvmeIdentify.nvme_lbaf.ds)));
        Assert.Equal(3, (int)Marshal.OffsetOf<Interop.NvmeIdentify.nvme_lbaf>(nameof(Interop.NvmeIdentify.nvme_lbaf.rp)));
    }

    private static int Offset(string field) => (int)Marshal.OffsetOf<Interop.NvmeIdentify.nvme_id_ns>(field);

    [Fact]
    public void The_command_constants_are_the_specifications()
    {
        Assert.Equal(0x06, Interop.NvmeIdentify.nvme_admin_identify);
        Assert.Equal(0u, Interop.NvmeIdentify.NVME_ID_CNS_NS);
        Assert.Equal(4096, Interop.NvmeIdentify.NVME_IDENTIFY_DATA_SIZE);
    }
}
