using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>linux/blkpg.h: the BLKPG ioctl's argument, to delete a partition of a block device (as mdadm's remove_partitions does).</summary>
[CHeader("linux/blkpg.h")]
internal static class Blkpg
{
    internal const int BLKPG_ADD_PARTITION = 1;
    internal const int BLKPG_DEL_PARTITION = 2;

    [CTypeName("struct blkpg_ioctl_arg")]
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct blkpg_ioctl_arg
    {
        internal int op;
        internal int flags;
        internal int datalen;
        internal blkpg_partition* data;
    }

    [CTypeName("struct blkpg_partition")]
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct blkpg_partition
    {
        /// <summary>Start in bytes (ignored by BLKPG_DEL_PARTITION).</summary>
        internal long start;

        /// <summary>Length in bytes (ignored by BLKPG_DEL_PARTITION).</summary>
        internal long length;

        /// <summary>Partition number (the N of loop0pN / nvme0n1pN).</summary>
        internal int pno;

        internal fixed byte devname[64];
        internal fixed byte volname[64];
    }
}
