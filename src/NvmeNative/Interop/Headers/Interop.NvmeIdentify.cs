using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirror of a data structure the controller returns: read from the 4 KiB Identify buffer, never written.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>
/// The Identify admin command and the Identify Namespace data structure (NVMe Base Specification 2.0,
/// 5.17 "Identify command" and Figure 280 "Identify Namespace Data Structure, NVM Command Set"; the kernel
/// mirrors it as <c>struct nvme_id_ns</c> in include/linux/nvme.h). None of this is in the UAPI headers
/// (linux/nvme_ioctl.h only carries the passthrough struct), so gcc cannot check it: the offsets below are
/// the specification's and NvmeIdentifyLayoutTests asserts them.
/// </summary>
[NotInHeaders("NVMe Base Spec 2.0 Identify (opcode 06h, CNS 00h) and the Identify Namespace layout; kernel include/linux/nvme.h is not UAPI; offsets asserted by NvmeIdentifyLayoutTests")]
internal static class NvmeIdentify
{
    /// <summary>Admin opcode Identify (kernel <c>nvme_admin_identify</c>).</summary>
    internal const byte nvme_admin_identify = 0x06;

    /// <summary>CDW10.CNS 00h: Identify Namespace data structure for the NSID (kernel <c>NVME_ID_CNS_NS</c>).</summary>
    internal const uint NVME_ID_CNS_NS = 0x00;

    /// <summary>Every Identify data structure is 4096 bytes (kernel <c>NVME_IDENTIFY_DATA_SIZE</c>).</summary>
    internal const int NVME_IDENTIFY_DATA_SIZE = 4096;

    /// <summary>FLBAS bits 3:0: low bits of the current LBA format index (<c>NVME_NS_FLBAS_LBA_MASK</c>).</summary>
    internal const byte NVME_NS_FLBAS_LBA_MASK = 0x0f;

    /// <summary>FLBAS bits 6:5: high bits (5:4) of the index when there are more than 16 formats (<c>NVME_NS_FLBAS_LBA_UMASK</c>).</summary>
    internal const byte NVME_NS_FLBAS_LBA_UMASK = 0x60;

    /// <summary>Shift that moves FLBAS bits 6:5 to index bits 5:4 (<c>NVME_NS_FLBAS_LBA_SHIFT</c>).</summary>
    internal const int NVME_NS_FLBAS_LBA_SHIFT = 1;

    /// <summary>The LBA Format list holds 64 entries (NLBAF is 0's based, at most 63).</summary>
    internal const int NVME_MAX_LBAF = 64;

    /// <summary>
    /// The head of the Identify Namespace data structure up to the LBA format list, then the rest as
    /// reserved bytes: 4096 bytes in all. Little-endian, as every NVMe structure.
    /// </summary>
    [NotInHeaders("struct nvme_id_ns of kernel include/linux/nvme.h (not UAPI); NVMe Base Spec 2.0 Figure 280 offsets asserted by NvmeIdentifyLayoutTests")]
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct nvme_id_ns
    {
        /// <summary>Bytes 7:0 NSZE: namespace size in logical blocks.</summary>
        internal ulong nsze;

        /// <summary>Bytes 15:8 NCAP: namespace capacity in logical blocks.</summary>
        internal ulong ncap;

        /// <summary>Bytes 23:16 NUSE: namespace utilization in logical blocks.</summary>
        internal ulong nuse;

        /// <summary>Byte 24 NSFEAT.</summary>
        internal byte nsfeat;

        /// <summary>Byte 25 NLBAF: number of LBA formats, 0's based.</summary>
        internal byte nlbaf;

        /// <summary>Byte 26 FLBAS: the formatted (current) LBA size index, see the masks above.</summary>
        internal byte flbas;

        /// <summary>Bytes 127:27 (mc ... eui64): not used here.</summary>
        [Reserved]
        internal fixed byte rsvd27[128 - 27];

        /// <summary>Bytes 383:128 LBAF0..LBAF63.</summary>
        internal nvme_lbaf_list lbaf;

        /// <summary>Bytes 4095:384: vendor specific and reserved.</summary>
        [Reserved]
        internal fixed byte vs[4096 - 384];
    }

    /// <summary>One LBA Format entry (NVMe Base Spec 2.0 Figure 281).</summary>
    [NotInHeaders("struct nvme_lbaf of kernel include/linux/nvme.h (not UAPI); NVMe Base Spec 2.0 Figure 281")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct nvme_lbaf
    {
        /// <summary>Bits 15:0 MS: metadata bytes per logical block.</summary>
        internal ushort ms;

        /// <summary>Bits 23:16 LBADS: the LBA data size as a power of two (9 = 512 bytes, 12 = 4096); 0 = format not supported.</summary>
        internal byte ds;

        /// <summary>Bits 25:24 RP: relative performance.</summary>
        internal byte rp;
    }

    /// <summary>The 64-entry LBA format list, inline.</summary>
    [NotInHeaders("the lbaf[64] array of struct nvme_id_ns (not UAPI)")]
    [InlineArray(NVME_MAX_LBAF)]
    internal struct nvme_lbaf_list
    {
        private nvme_lbaf _element0;
    }
}
