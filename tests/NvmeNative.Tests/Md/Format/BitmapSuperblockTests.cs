using System.Buffers.Binary;
using NvmeNative.Errors;
using NvmeNative.Md.Format;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Format;

public sealed class BitmapSuperblockTests
{
    private static readonly MdUuid Uuid = MdUuid.Parse("01234567:89abcdef:fedcba98:76543210");

    private static BitmapSuperblock Sample() => new()
    {
        Uuid = Uuid,
        Events = 7,
        EventsCleared = 5,
        SyncSize = 63488,
        State = BitmapState.Stale,
        ChunkSize = 64 << 20,
        DaemonSleep = 5,
        WriteBehind = 256,
        SectorsReserved = 8,
        Nodes = 0,
    };

    private static byte[] Image(BitmapSuperblock sb)
    {
        var b = new byte[256];
        sb.WriteTo(b);
        return b;
    }

    private static MdSuperblockException Refused(Action<byte[]> change)
    {
        var b = Image(Sample());
        change(b);
        return Assert.Throws<MdSuperblockException>(() => BitmapSuperblock.Parse(b, "/dev/x"));
    }

    [Fact]
    public void Layout_is_the_kernels_bitmap_super_t()
    {
        // drivers/md/md-bitmap.h: magic, version, uuid[16], events, events_cleared, sync_size, state, chunksize,
        // daemon_sleep, write_behind, sectors_reserved, nodes, cluster_name[64], pad[256 - 136].
        var expected = new (string, int, int)[]
        {
            ("magic", BitmapSuperblockOffsets.Magic, 0), ("version", BitmapSuperblockOffsets.Version, 4),
            ("uuid", BitmapSuperblockOffsets.Uuid, 8), ("events", BitmapSuperblockOffsets.Events, 24),
            ("events_cleared", BitmapSuperblockOffsets.EventsCleared, 32), ("sync_size", BitmapSuperblockOffsets.SyncSize, 40),
            ("state", BitmapSuperblockOffsets.State, 48), ("chunksize", BitmapSuperblockOffsets.ChunkSize, 52),
            ("daemon_sleep", BitmapSuperblockOffsets.DaemonSleep, 56), ("write_behind", BitmapSuperblockOffsets.WriteBehind, 60),
            ("sectors_reserved", BitmapSuperblockOffsets.SectorsReserved, 64), ("nodes", BitmapSuperblockOffsets.Nodes, 68),
            ("cluster_name", BitmapSuperblockOffsets.ClusterName, 72), ("pad", BitmapSuperblockOffsets.Pad, 136),
            ("sizeof", BitmapSuperblockOffsets.Size, 256),
        };
        Assert.All(expected, e => Assert.True(e.Item2 == e.Item3, $"{e.Item1}: {e.Item2} != {e.Item3}"));
    }

    [Fact]
    public void Round_trips_and_writes_little_endian_bitm()
    {
        var sb = Sample() with { ClusterNameBytes = [.. "cluster"u8.ToArray(), .. new byte[57]] };
        byte[] image = Image(sb);
        Assert.Equal("bitm"u8.ToArray(), image[..4]);
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(4)));
        Assert.Equal(Uuid.ToArray(), image[8..24]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(48))); // 1 << BITMAP_STALE
        var parsed = BitmapSuperblock.Parse(image);
        Assert.Equal(sb, parsed);
        Assert.Equal("cluster", parsed.ClusterName);
        Assert.All(image[136..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Bits_are_one_per_chunk_rounded_up_and_the_area_is_rounded_to_4k()
    {
        var sb = Sample() with { SyncSize = 20953088, ChunkSize = 64 << 20 }; // mdadm's 10 GiB member: 160 bits
        Assert.Equal(160UL, sb.Bits);
        Assert.Equal(20UL, sb.BitsBytes);
        Assert.Equal(4096UL, sb.AreaBytes(8));
        Assert.Equal(512UL, sb.AreaBytes(2)); // a bitmap not on a 4 KiB boundary is rounded to 512 bytes
        var exact = sb with { SyncSize = 160 * 131072 };
        Assert.Equal(160UL, exact.Bits);
        Assert.Equal(161UL, (exact with { SyncSize = exact.SyncSize + 1 }).Bits);
        var big = sb with { SyncSize = 150323591168, ChunkSize = 128 << 20 }; // 70 TiB: 573439 bits, 71680 + 256 bytes
        Assert.Equal(573439UL, big.Bits);
        Assert.Equal(73728UL, big.AreaBytes(8));
    }

    [Fact]
    public void Initial_area_is_the_superblock_then_all_ones_to_the_boundary()
    {
        var sb = Sample();
        byte[] area = sb.ToInitialArea(8);
        Assert.Equal(4096, area.Length);
        Assert.Equal(Image(sb), area[..256]);
        Assert.All(area[256..], b => Assert.Equal(0xff, b));
    }

    [Fact]
    public void Kernel_read_sb_rules()
    {
        Assert.Equal("bitmap magic", Refused(b => b[0] = (byte)'B').Rule);
        Assert.Equal("bitmap version", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 2)).Rule);
        Assert.Equal("bitmap version", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 6)).Rule);
        Assert.Equal("bitmap chunksize", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(52), 256)).Rule);
        var notPow2 = Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(52), 3 << 20));
        Assert.Equal("bitmap chunksize", notPow2.Rule);
        Assert.Contains("power of 2", notPow2.Message);
        Assert.Equal("bitmap daemon_sleep", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(56), 0)).Rule);
        Assert.Equal("bitmap write_behind", Refused(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(60), 16384)).Rule);
        foreach (uint version in new uint[] { 3, 4, 5 })
        {
            var b = Image(Sample() with { Version = version });
            Assert.Equal(version, BitmapSuperblock.Parse(b).Version);
        }
        Assert.Equal(16383u, BitmapSuperblock.Parse(Image(Sample() with { WriteBehind = 16383 })).WriteBehind);
        Assert.Equal(512u, BitmapSuperblock.Parse(Image(Sample() with { ChunkSize = 512 })).ChunkSize);
    }

    [Fact]
    public void Its_uuid_must_be_the_arrays()
    {
        var array = new Superblock1 { SetUuid = Uuid };
        Sample().CheckBelongsTo(array, null);
        var other = new Superblock1 { SetUuid = MdUuid.Parse("00000000:00000000:00000000:00000001") };
        Assert.Equal("bitmap uuid", Assert.Throws<MdSuperblockException>(() => Sample().CheckBelongsTo(other, "/dev/x")).Rule);
    }
}
