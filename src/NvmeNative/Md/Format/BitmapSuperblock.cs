using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using NvmeNative.Errors;

namespace NvmeNative.Md.Format;

/// <summary>Bits of bitmap_super_t.state (kernel enum bitmap_state).</summary>
[Flags]
internal enum BitmapState : uint
{
    None = 0,

    /// <summary>The bitmap is known out of date: the whole array will be resynced.</summary>
    Stale = 1u << Interop.MdBitmap.BITMAP_STALE,

    WriteError = 1u << Interop.MdBitmap.BITMAP_WRITE_ERROR,

    /// <summary>Version-3 bitmaps: bits are in host order.</summary>
    HostEndian = 1u << Interop.MdBitmap.BITMAP_HOSTENDIAN,
}

/// <summary>
/// The 256-byte superblock of an md write-intent bitmap (bitmap_super_t, little-endian); one bit per chunk follows it.
/// <see cref="Parse"/> applies the kernel's md_bitmap_read_sb checks; <see cref="CheckBelongsTo"/> the ones
/// against the array superblock.
/// </summary>
internal sealed record BitmapSuperblock
{
    internal const int Length = 256;
    internal const uint Magic = Interop.MdBitmap.BITMAP_MAGIC;

    /// <summary>bitmap_super_t.version: 4 (BITMAP_MAJOR_HI) is what mdadm writes.</summary>
    internal uint Version { get; init; } = Interop.MdBitmap.BITMAP_MAJOR_HI;

    /// <summary>Must equal the array's set_uuid.</summary>
    internal MdUuid Uuid { get; init; }

    /// <summary>The array events when the bitmap was last written; below the array's, the bitmap is stale.</summary>
    internal ulong Events { get; init; }

    /// <summary>Events up to which bits have been cleared: a member older than this needs a full recovery.</summary>
    internal ulong EventsCleared { get; init; }

    /// <summary>Sectors the bitmap covers (the component size).</summary>
    internal ulong SyncSize { get; init; }

    internal BitmapState State { get; init; }

    /// <summary>Bytes of data per bit: a power of two of at least 512.</summary>
    internal uint ChunkSize { get; init; }

    /// <summary>Seconds between bitmap daemon runs (mdadm: 5).</summary>
    internal uint DaemonSleep { get; init; } = Interop.MdBitmap.DEFAULT_BITMAP_DELAY;

    internal uint WriteBehind { get; init; }

    internal uint SectorsReserved { get; init; }

    internal uint Nodes { get; init; }

    /// <summary>cluster_name: 64 bytes, NUL padded (md-cluster only; empty otherwise).</summary>
    internal ImmutableArray<byte> ClusterNameBytes { get; init; } =
        ImmutableArray.Create(new byte[BitmapSuperblockOffsets.ClusterNameLength]);

    internal string ClusterName
    {
        get
        {
            ReadOnlySpan<byte> raw = ClusterNameBytes.AsSpan();
            int nul = raw.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul < 0 ? raw : raw[..nul]);
        }
    }

    /// <summary>
    /// Bits in the bitmap: one per chunk, ceil(sync_size·512 / chunksize) (mdadm's bitmap_bits). Computed in 128 bits:
    /// sync_size comes from the member and may be anything, so sync_size·512 may not fit in 64.
    /// </summary>
    internal ulong Bits => ChunkSize == 0 ? 0 : (ulong)(((UInt128)SyncSize * 512 + ChunkSize - 1) / ChunkSize);

    /// <summary>Bytes of bits: ceil(bits / 8).</summary>
    internal ulong BitsBytes => Bits / 8 + (Bits % 8 == 0 ? 0UL : 1UL);

    /// <summary>
    /// Bytes of the on-disk bitmap as mdadm writes it (write_bitmap1): the superblock plus the bits, rounded up to
    /// 4 KiB when the bitmap starts on a 4 KiB boundary, else to 512 bytes.
    /// </summary>
    internal ulong AreaBytes(int bitmapOffsetSectors)
    {
        ulong boundary = (bitmapOffsetSectors & 7) == 0 ? 4096u : 512u;
        return (Length + BitsBytes + boundary - 1) / boundary * boundary;
    }

    /// <summary>Parses and validates a bitmap superblock (at least 256 bytes).</summary>
    /// <exception cref="MdSuperblockException">A rule of the kernel's md_bitmap_read_sb is broken.</exception>
    internal static BitmapSuperblock Parse(ReadOnlySpan<byte> image, string? path = null)
    {
        if (image.Length < Length)
            throw new ArgumentException($"a bitmap superblock image needs {Length} bytes, got {image.Length}", nameof(image));
        uint magic = U32(image, BitmapSuperblockOffsets.Magic);
        if (magic != Magic)
            Fail($"bitmap magic is 0x{magic:x8}, not 0x{Magic:x8} (\"bitm\")", "bitmap magic", path);
        var sb = new BitmapSuperblock
        {
            Version = U32(image, BitmapSuperblockOffsets.Version),
            Uuid = MdUuid.FromBytes(image.Slice(BitmapSuperblockOffsets.Uuid, MdUuid.Length)),
            Events = U64(image, BitmapSuperblockOffsets.Events),
            EventsCleared = U64(image, BitmapSuperblockOffsets.EventsCleared),
            SyncSize = U64(image, BitmapSuperblockOffsets.SyncSize),
            State = (BitmapState)U32(image, BitmapSuperblockOffsets.State),
            ChunkSize = U32(image, BitmapSuperblockOffsets.ChunkSize),
            DaemonSleep = U32(image, BitmapSuperblockOffsets.DaemonSleep),
            WriteBehind = U32(image, BitmapSuperblockOffsets.WriteBehind),
            SectorsReserved = U32(image, BitmapSuperblockOffsets.SectorsReserved),
            Nodes = U32(image, BitmapSuperblockOffsets.Nodes),
            ClusterNameBytes =
                ImmutableArray.Create(image.Slice(BitmapSuperblockOffsets.ClusterName, BitmapSuperblockOffsets.ClusterNameLength)),
        };
        sb.CheckFields(path);
        return sb;
    }

    /// <summary>md_bitmap_read_sb's checks of the bitmap's own fields, in the kernel's order.</summary>
    internal void CheckFields(string? path)
    {
        if (Version < Interop.MdBitmap.BITMAP_MAJOR_LO || Version > Interop.MdBitmap.BITMAP_MAJOR_CLUSTERED)
            Fail($"bitmap version is {Version}; the kernel reads {Interop.MdBitmap.BITMAP_MAJOR_LO}..{Interop.MdBitmap.BITMAP_MAJOR_CLUSTERED}", "bitmap version", path);
        if (ChunkSize < 512)
            Fail($"bitmap chunksize is {ChunkSize} bytes, below 512", "bitmap chunksize", path);
        if (!uint.IsPow2(ChunkSize))
            Fail($"bitmap chunksize {ChunkSize} is not a power of 2", "bitmap chunksize", path);
        if (DaemonSleep < 1)
            Fail("bitmap daemon_sleep is 0 seconds; at least 1 is needed", "bitmap daemon_sleep", path);
        if (WriteBehind > Interop.MdBitmap.COUNTER_MAX)
            Fail($"bitmap write_behind is {WriteBehind}, above {Interop.MdBitmap.COUNTER_MAX}", "bitmap write_behind", path);
    }

    /// <summary>The kernel's checks of a bitmap against its array superblock: same uuid (events may lag: that only makes it stale).</summary>
    internal void CheckBelongsTo(Superblock1 array, string? path)
    {
        if (Uuid != array.SetUuid)
            Fail($"bitmap uuid {Uuid} is not the array's {array.SetUuid}", "bitmap uuid", path);
    }

    /// <summary>Writes the 256-byte bitmap superblock (padding zero) into <paramref name="destination"/>.</summary>
    internal void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length)
            throw new ArgumentException($"the bitmap superblock needs {Length} bytes, the buffer has {destination.Length}", nameof(destination));
        if (ClusterNameBytes.Length != BitmapSuperblockOffsets.ClusterNameLength)
            throw new InvalidOperationException(
                $"cluster_name must be {BitmapSuperblockOffsets.ClusterNameLength} bytes, not {ClusterNameBytes.Length}");
        Span<byte> b = destination[..Length];
        b.Clear();
        W32(b, BitmapSuperblockOffsets.Magic, Magic);
        W32(b, BitmapSuperblockOffsets.Version, Version);
        Uuid.CopyTo(b.Slice(BitmapSuperblockOffsets.Uuid, MdUuid.Length));
        W64(b, BitmapSuperblockOffsets.Events, Events);
        W64(b, BitmapSuperblockOffsets.EventsCleared, EventsCleared);
        W64(b, BitmapSuperblockOffsets.SyncSize, SyncSize);
        W32(b, BitmapSuperblockOffsets.State, (uint)State);
        W32(b, BitmapSuperblockOffsets.ChunkSize, ChunkSize);
        W32(b, BitmapSuperblockOffsets.DaemonSleep, DaemonSleep);
        W32(b, BitmapSuperblockOffsets.WriteBehind, WriteBehind);
        W32(b, BitmapSuperblockOffsets.SectorsReserved, SectorsReserved);
        W32(b, BitmapSuperblockOffsets.Nodes, Nodes);
        ClusterNameBytes.AsSpan().CopyTo(b.Slice(BitmapSuperblockOffsets.ClusterName, BitmapSuperblockOffsets.ClusterNameLength));
    }

    /// <summary>
    /// The bitmap area as mdadm --create writes it: this superblock, then 0xff up to <see cref="AreaBytes"/>
    /// (every chunk dirty, and the padding too: mdadm fills its whole write buffer with 0xff).
    /// </summary>
    internal byte[] ToInitialArea(int bitmapOffsetSectors)
    {
        var area = new byte[checked((int)AreaBytes(bitmapOffsetSectors))];
        area.AsSpan().Fill(0xff);
        WriteTo(area);
        return area;
    }

    /// <summary>Field-by-field equality (cluster_name by content).</summary>
    public bool Equals(BitmapSuperblock? other) =>
        other is not null
        && (Version, Uuid, Events, EventsCleared, SyncSize, State, ChunkSize, DaemonSleep, WriteBehind, SectorsReserved, Nodes)
            == (other.Version, other.Uuid, other.Events, other.EventsCleared, other.SyncSize, other.State, other.ChunkSize,
                other.DaemonSleep, other.WriteBehind, other.SectorsReserved, other.Nodes)
        && ClusterNameBytes.AsSpan().SequenceEqual(other.ClusterNameBytes.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Uuid, Events, SyncSize, ChunkSize);

    private static void Fail(string message, string rule, string? path) =>
        throw new MdSuperblockException(message, rule, path, "read md bitmap superblock");

    private static uint U32(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(b[offset..]);

    private static ulong U64(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(b[offset..]);

    private static void W32(Span<byte> b, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(b[offset..], value);

    private static void W64(Span<byte> b, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(b[offset..], value);
}
