using System.Runtime.InteropServices;

namespace NvmeNative.Interop;

// Mirror of an on-disk struct: read and written through explicit little-endian accessors, never by name.
#pragma warning disable CS0649, CS0169, CS8981 // C names are kept as they are (lower-case included)

/// <summary>
/// The md write-intent bitmap superblock (kernel drivers/md/md-bitmap.h, mdadm bitmap.h). It is not in the
/// UAPI headers, so gcc cannot check it: its size and offsets are asserted by unit tests against the
/// kernel source's layout and against bitmaps written by real mdadm 4.2 (Fixtures/md, make-fixtures.sh).
/// </summary>
[NotInHeaders("kernel drivers/md/md-bitmap.h and mdadm bitmap.h (not UAPI); checked by golden mdadm 4.2 images in Fixtures/md")]
internal static class MdBitmap
{
    /// <summary>"bitm" read as a little-endian u32.</summary>
    internal const uint BITMAP_MAGIC = 0x6d746962;

    // bitmap_super_t.version: LO is host-endian bits, HI little-endian bits (what mdadm --create writes),
    // CLUSTERED is HI for md-cluster. The kernel accepts LO..CLUSTERED.
    internal const uint BITMAP_MAJOR_LO = 3;
    internal const uint BITMAP_MAJOR_HI = 4;
    internal const uint BITMAP_MAJOR_CLUSTERED = 5;

    // bitmap_super_t.state bit numbers (enum bitmap_state)
    internal const int BITMAP_STALE = 1;
    internal const int BITMAP_WRITE_ERROR = 2;
    internal const int BITMAP_HOSTENDIAN = 15;

    /// <summary>The largest write_behind the kernel accepts (COUNTER_MAX in md-bitmap.c).</summary>
    internal const uint COUNTER_MAX = 16383;

    /// <summary>mdadm's DEFAULT_BITMAP_DELAY: daemon_sleep, in seconds, written by --create.</summary>
    internal const uint DEFAULT_BITMAP_DELAY = 5;

    /// <summary>bitmap_super_t: 256 bytes, little-endian; the bits follow it directly.</summary>
    [NotInHeaders("kernel drivers/md/md-bitmap.h struct bitmap_super_s; offsets asserted by BitmapSuperblockTests")]
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct bitmap_super_s
    {
        internal uint magic;
        internal uint version;
        internal fixed byte uuid[16];
        internal ulong events;
        internal ulong events_cleared;
        internal ulong sync_size;
        internal uint state;
        internal uint chunksize;
        internal uint daemon_sleep;
        internal uint write_behind;
        internal uint sectors_reserved;
        internal uint nodes;
        internal fixed byte cluster_name[64];
        internal fixed byte pad[256 - 136];
    }
}
