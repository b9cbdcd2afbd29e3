using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>
/// linux/raid/md_u.h: the md ioctl argument structs and request codes. All fields are int or
/// unsigned int, naturally aligned, with no padding. Request codes are computed from the struct sizes.
/// </summary>
[CHeader("sys/ioctl.h", "linux/major.h", "linux/raid/md_u.h")]
internal static class MdU
{
    internal const byte MD_MAJOR = 9;

    internal const int MD_MAJOR_VERSION = 0;
    internal const int MD_MINOR_VERSION = 90;
    internal const int MD_PATCHLEVEL_VERSION = 3;

    internal const int LEVEL_MULTIPATH = -4;
    internal const int LEVEL_LINEAR = -1;
    internal const int LEVEL_FAULTY = -5;
    internal const int LEVEL_NONE = -1000000;

    internal static readonly uint RAID_VERSION = IoctlCode.IOR<mdu_version_t>(MD_MAJOR, 0x10);
    internal static readonly uint GET_ARRAY_INFO = IoctlCode.IOR<mdu_array_info_t>(MD_MAJOR, 0x11);
    internal static readonly uint GET_DISK_INFO = IoctlCode.IOR<mdu_disk_info_t>(MD_MAJOR, 0x12);
    internal static readonly uint GET_BITMAP_FILE = IoctlCode.IOR<mdu_bitmap_file_t>(MD_MAJOR, 0x15);
    internal static readonly uint ADD_NEW_DISK = IoctlCode.IOW<mdu_disk_info_t>(MD_MAJOR, 0x21);
    internal static readonly uint HOT_REMOVE_DISK = IoctlCode.IO(MD_MAJOR, 0x22);
    internal static readonly uint SET_ARRAY_INFO = IoctlCode.IOW<mdu_array_info_t>(MD_MAJOR, 0x23);
    internal static readonly uint HOT_ADD_DISK = IoctlCode.IO(MD_MAJOR, 0x28);
    internal static readonly uint SET_DISK_FAULTY = IoctlCode.IO(MD_MAJOR, 0x29);
    internal static readonly uint SET_BITMAP_FILE = IoctlCode.IOW<int>(MD_MAJOR, 0x2b);
    internal static readonly uint RUN_ARRAY = IoctlCode.IOW<mdu_param_t>(MD_MAJOR, 0x30);
    internal static readonly uint STOP_ARRAY = IoctlCode.IO(MD_MAJOR, 0x32);
    internal static readonly uint STOP_ARRAY_RO = IoctlCode.IO(MD_MAJOR, 0x33);
    internal static readonly uint RESTART_ARRAY_RW = IoctlCode.IO(MD_MAJOR, 0x34);
    internal static readonly uint CLUSTERED_DISK_NACK = IoctlCode.IO(MD_MAJOR, 0x35);

    // Still in the header but dead in every kernel we support (md_ioctl_valid() answers ENOTTY); kept so the
    // header check covers every request code md_u.h defines, and so a caller sees they exist but must not be used.
    internal static readonly uint RAID_AUTORUN = IoctlCode.IO(MD_MAJOR, 0x14);
    internal static readonly uint CLEAR_ARRAY = IoctlCode.IO(MD_MAJOR, 0x20);
    internal static readonly uint SET_DISK_INFO = IoctlCode.IO(MD_MAJOR, 0x24);
    internal static readonly uint WRITE_RAID_INFO = IoctlCode.IO(MD_MAJOR, 0x25);
    internal static readonly uint UNPROTECT_ARRAY = IoctlCode.IO(MD_MAJOR, 0x26);
    internal static readonly uint PROTECT_ARRAY = IoctlCode.IO(MD_MAJOR, 0x27);
    internal static readonly uint HOT_GENERATE_ERROR = IoctlCode.IO(MD_MAJOR, 0x2a);

    [StructLayout(LayoutKind.Sequential)]
    internal struct mdu_version_t
    {
        internal int major;
        internal int minor;
        internal int patchlevel;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct mdu_array_info_t
    {
        internal int major_version;
        internal int minor_version;
        internal int patch_version;
        internal uint ctime;
        internal int level;
        internal int size;
        internal int nr_disks;
        internal int raid_disks;
        internal int md_minor;
        internal int not_persistent;
        internal uint utime;
        internal int state;
        internal int active_disks;
        internal int working_disks;
        internal int failed_disks;
        internal int spare_disks;
        internal int layout;
        internal int chunk_size;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct mdu_disk_info_t
    {
        internal int number;
        internal int major;
        internal int minor;
        internal int raid_disk;
        internal int state;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct mdu_bitmap_file_t
    {
        internal fixed byte pathname[4096];
    }

    /// <summary>Defined by the header but used by no live ioctl (START_ARRAY is gone); mirrored for completeness.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct mdu_start_info_t
    {
        internal int major;
        internal int minor;
        internal int raid_disk;
        internal int state;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct mdu_param_t
    {
        internal int personality;
        internal int chunk_size;
        internal int max_fault;
    }
}
