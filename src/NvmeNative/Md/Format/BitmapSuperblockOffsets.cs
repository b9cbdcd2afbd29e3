namespace NvmeNative.Md.Format;

/// <summary>
/// Byte offsets of bitmap_super_t, taken from <see cref="Interop.MdBitmap.bitmap_super_s"/>: the one place its
/// layout is written down (it is not in the UAPI headers; BitmapSuperblockTests assert it and the golden mdadm
/// images prove it).
/// </summary>
internal static unsafe class BitmapSuperblockOffsets
{
    internal const int ClusterNameLength = 64;

internal static readonly int Size;
    internal static readonly int Magic;
    internal static readonly int Version;
    internal static readonly int Uuid;
    internal static readonly int Events;
    internal static readonly int EventsCleared;
    internal static readonly int SyncSize;
    internal static readonly int State;
    internal static readonly int ChunkSize;
    internal static readonly int DaemonSleep;
    internal static readonly int WriteBehind;
    internal static readonly int SectorsReserved;
    internal static readonly int Nodes;
    internal static readonly int ClusterName;
    internal static readonly int Pad;

#pragma warning disable CA1810 // one struct instance gives every offset
    static BitmapSuperblockOffsets()
    {
        Interop.MdBitmap.bitmap_super_s s;
        byte* b = (byte*)&s;
        Size = sizeof(Interop.MdBitmap.bitmap_super_s);
        Magic = (int)((byte*)&s.magic - b);
        Version = (int)((byte*)&s.version - b);
        Uuid = (int)(s.uuid - b);
        Events = (int)((byte*)&s.events - b);
        EventsCleared = (int)((byte*)&s.events_cleared - b);
        SyncSize = (int)((byte*)&s.sync_size - b);
        State = (int)((byte*)&s.state - b);
        ChunkSize = (int)((byte*)&s.chunksize - b);
        DaemonSleep = (int)((byte*)&s.daemon_sleep - b);
        WriteBehind = (int)((byte*)&s.write_behind - b);
        SectorsReserved = (int)((byte*)&s.sectors_reserved - b);
        Nodes = (int)((byte*)&s.nodes - b);
        ClusterName = (int)(s.cluster_name - b);
        Pad = (int)(s.pad - b);
    }
#pragma warning restore CA1810
}
