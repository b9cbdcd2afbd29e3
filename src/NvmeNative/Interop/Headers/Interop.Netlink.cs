using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>linux/netlink.h: the kobject uevent family, on which the kernel announces block devices as they appear.</summary>
[CHeader("sys/socket.h", "linux/netlink.h")]
internal static class Netlink
{
    internal const int NETLINK_KOBJECT_UEVENT = 15;

    [CTypeName("struct sockaddr_nl")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_nl
    {
        internal ushort nl_family;
        private ushort nl_pad;
        internal uint nl_pid;
        internal uint nl_groups;
    }
}
