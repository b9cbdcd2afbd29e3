using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>linux/nvme_ioctl.h: admin passthrough and controller rescan on /dev/nvmeX.</summary>
[CHeader("sys/ioctl.h", "linux/nvme_ioctl.h")]
internal static class NvmeIoctl
{
    internal static readonly uint NVME_IOCTL_ID = IoctlCode.IO((byte)'N', 0x40);
    internal static readonly uint NVME_IOCTL_ADMIN_CMD = IoctlCode.IOWR<nvme_passthru_cmd>((byte)'N', 0x41);
    internal static readonly uint NVME_IOCTL_IO_CMD = IoctlCode.IOWR<nvme_passthru_cmd>((byte)'N', 0x43);
    internal static readonly uint NVME_IOCTL_RESET = IoctlCode.IO((byte)'N', 0x44);
    internal static readonly uint NVME_IOCTL_SUBSYS_RESET = IoctlCode.IO((byte)'N', 0x45);

    /// <summary>Also spelled <c>struct nvme_admin_cmd</c> (a #define alias in the header).</summary>
    [CTypeName("struct nvme_passthru_cmd")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct nvme_passthru_cmd
    {
        internal byte opcode;
        internal byte flags;
        internal ushort rsvd1;
        internal uint nsid;
        internal uint cdw2;
        internal uint cdw3;
        internal ulong metadata;
        internal ulong addr;
        internal uint metadata_len;
        internal uint data_len;
        internal uint cdw10;
        internal uint cdw11;
        internal uint cdw12;
        internal uint cdw13;
        internal uint cdw14;
        internal uint cdw15;
        internal uint timeout_ms;
        internal uint result;
    }
}
