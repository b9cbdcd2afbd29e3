using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>statx(2): file type and device numbers of md members and NVMe block devices.</summary>
[CHeader("sys/stat.h", "fcntl.h")]
internal static class Stat
{
    internal const uint STATX_TYPE = 0x1;
    internal const uint STATX_MODE = 0x2;
    internal const uint STATX_SIZE = 0x200;
    internal const uint STATX_BASIC_STATS = 0x7ff;
    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFBLK = 0x6000;
    internal const uint S_IFREG = 0x8000;
    internal const uint S_IFDIR = 0x4000;

    [CTypeName("struct statx_timestamp")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct statx_timestamp
    {
        internal long tv_sec;
        internal uint tv_nsec;
        [Reserved] private int __reserved;
    }

    [CTypeName("struct statx")]
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct statx
    {
        internal uint stx_mask;
        internal uint stx_blksize;
        internal ulong stx_attributes;
        internal uint stx_nlink;
        internal uint stx_uid;
        internal uint stx_gid;
        internal ushort stx_mode;
        [Reserved] private ushort __spare0;
        internal ulong stx_ino;
        internal ulong stx_size;
        internal ulong stx_blocks;
        internal ulong stx_attributes_mask;
        internal statx_timestamp stx_atime;
        internal statx_timestamp stx_btime;
        internal statx_timestamp stx_ctime;
        internal statx_timestamp stx_mtime;
        internal uint stx_rdev_major;
        internal uint stx_rdev_minor;
        internal uint stx_dev_major;
        internal uint stx_dev_minor;
        // The kernel keeps adding fields in this tail (mount id, direct-I/O alignment, atomic writes).
        [Reserved] private fixed ulong __spare_tail[14];
    }
}
