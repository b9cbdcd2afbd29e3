using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>poll(2): sysfs attributes that the kernel notifies (md array_state, sync_action) wake POLLPRI|POLLERR.</summary>
[CHeader("poll.h")]
internal static class Poll
{
    internal const short POLLIN = 0x1;
    internal const short POLLPRI = 0x2;
    internal const short POLLOUT = 0x4;
    internal const short POLLERR = 0x8;
    internal const short POLLHUP = 0x10;
    internal const short POLLNVAL = 0x20;

    [CTypeName("struct pollfd")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct pollfd
    {
        internal int fd;
        internal short events;
        internal short revents;
    }
}
