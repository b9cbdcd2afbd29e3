using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirrors of C structs: fields are written by the kernel or through pointers, never by name in C#.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>
/// linux/raid/md_p.h: on-disk superblock v1.x and the disk state / role / feature constants.
/// The superblock is little-endian on disk; the struct mirrors the layout, and the Md layer's codec
/// reads and writes it with explicit little-endian accessors so the code is right on any host.
/// </summary>
[CHeader("linux/raid/md_p.h")]
internal static class MdP
{
    internal const uint MD_SB_MAGIC = 0xa92b4efc;

    // mdu_array_info_t.state bits (bit numbers)
    internal const int MD_SB_CLEAN = 0;
    internal const int MD_SB_ERRORS = 1;
    internal const int MD_SB_CLUSTERED = 5;
    internal const int MD_SB_BITMAP_PRESENT = 8;

    // mdu_disk_info_t.state bits (bit numbers)
    internal const int MD_DISK_FAULTY = 0;
    internal const int MD_DISK_ACTIVE = 1;
    internal const int MD_DISK_SYNC = 2;
    internal const int MD_DISK_REMOVED = 3;
    internal const int MD_DISK_CLUSTER_ADD = 4;
    internal const int MD_DISK_CANDIDATE = 5;
    internal const int MD_DISK_WRITEMOSTLY = 9;
    internal const int MD_DISK_FAILFAST = 10;
    internal const int MD_DISK_JOURNAL = 18;

    // v1 dev_roles[] values; regular roles are below MD_DISK_ROLE_MAX
    internal const ushort MD_DISK_ROLE_SPARE = 0xffff;
    internal const ushort MD_DISK_ROLE_FAULTY = 0xfffe;
    internal const ushort MD_DISK_ROLE_JOURNAL = 0xfffd;
    internal const ushort MD_DISK_ROLE_MAX = 0xff00;

    // mdp_superblock_1.devflags masks
    internal const byte WriteMostly1 = 1;
    internal const byte FailFast1 = 2;

    // mdp_superblock_1.feature_map bits
    internal const uint MD_FEATURE_BITMAP_OFFSET = 1;
    internal const uint MD_FEATURE_RECOVERY_OFFSET = 2;
    internal const uint MD_FEATURE_RESHAPE_ACTIVE = 4;
    internal const uint MD_FEATURE_BAD_BLOCKS = 8;
    internal const uint MD_FEATURE_REPLACEMENT = 16;
    internal const uint MD_FEATURE_RESHAPE_BACKWARDS = 32;
    internal const uint MD_FEATURE_NEW_OFFSET = 64;
    internal const uint MD_FEATURE_RECOVERY_BITMAP = 128;
    internal const uint MD_FEATURE_CLUSTERED = 256;
    internal const uint MD_FEATURE_JOURNAL = 512;
    internal const uint MD_FEATURE_PPL = 1024;
    internal const uint MD_FEATURE_MULTIPLE_PPLS = 2048;
    internal const uint MD_FEATURE_RAID0_LAYOUT = 4096;

    internal const ulong MD_SUPERBLOCK_1_TIME_SEC_MASK = (1UL << 40) - 1;

    /// <summary>
    /// The fixed 256-byte head of a v1.x superblock; <c>__le16 dev_roles[max_dev]</c> follows it on disk.
    /// For v1.2 it sits 4096 bytes (8 sectors) from the start of the member.
    /// </summary>
    [CTypeName("struct mdp_superblock_1")]
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct mdp_superblock_1
    {
        internal uint magic;
        internal uint major_version;
        internal uint feature_map;
        internal uint pad0;
        internal fixed byte set_uuid[16];
        internal fixed byte set_name[32];
        internal ulong ctime;
        internal uint level;
        internal uint layout;
        internal ulong size;
        internal uint chunksize;
        internal uint raid_disks;
        internal uint bitmap_offset; // signed on disk; a union with ppl.{offset,size}
        internal uint new_level;
        internal ulong reshape_position;
        internal uint delta_disks;
        internal uint new_layout;
        internal uint new_chunk;
        internal uint new_offset;
        internal ulong data_offset;
        internal ulong data_size;
        internal ulong super_offset;
        internal ulong recovery_offset; // a union with journal_tail
        internal uint dev_number;
        internal uint cnt_corrected_read;
        internal fixed byte device_uuid[16];
        internal byte devflags;
        internal byte bblog_shift;
        internal ushort bblog_size;
        internal uint bblog_offset; // signed on disk
        internal ulong utime;
        internal ulong events;
        internal ulong resync_offset;
        internal uint sb_csum;
        internal uint max_dev;
        internal fixed byte pad3[32];
    }
}
