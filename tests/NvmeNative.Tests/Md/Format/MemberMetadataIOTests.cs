using System.Buffers.Binary;
using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;
using NvmeNative.Md.Format;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Format;

/// <summary>The member reader/writer over real file descriptors (regular files stand in for block devices).</summary>
public sealed class MemberMetadataIOTests : IDisposable
{
    private const long Bytes64M = 64L << 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-md-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly MdUuid ArrayUuid = MdUuid.Parse("01234567:89abcdef:fedcba98:76543210");

    private static Raid1CreatePlan Plan(long bytes = Bytes64M) =>
        Raid1CreateMetadata.Build(MdArrayName.Parse("vol1"), ArrayUuid,
            [new Raid1NewMember((ulong)bytes / 512, MdUuid.NewRandom()), new Raid1NewMember((ulong)bytes / 512, MdUuid.NewRandom())],
            DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    private string File(long bytes, byte fill = 0)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        using var fs = new FileStream(path, FileMode.CreateNew);
        fs.SetLength(bytes);
        if (fill != 0)
        {
            var block = new byte[(int)Math.Min(bytes, 8L << 20)]; // the metadata region, or all of a small file
            block.AsSpan().Fill(fill);
            fs.Write(block);
        }
        return path;
    }

    private static SafeFdHandle Open(string path) => Fd.Open(path, Interop.Fcntl.O_RDWR);

    [Fact]
    public void Written_metadata_reads_back_equal_and_sits_where_mdadm_puts_it()
    {
        string path = File(Bytes64M, fill: 0x5a);
        var member = Plan().Members[1];
        using (var fd = Open(path))
            MemberMetadataIO.Write(fd, path, member, Bytes64M);

        byte[] head = System.IO.File.ReadAllBytes(path)[..(1 << 20)];
        Assert.All(head[..4096], b => Assert.Equal(0x5a, b));                         // the first 4 KiB are not ours
        Assert.Equal(Interop.MdP.MD_SB_MAGIC, BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4096)));
        Assert.All(head[(4096 + 512)..8192], b => Assert.Equal(0, b));                // superblock block padding
        Assert.Equal("bitm"u8.ToArray(), head[8192..8196]);
        Assert.All(head[(8192 + 256)..12288], b => Assert.Equal(0xff, b));            // bits and padding, as write_bitmap1
        Assert.All(head[12288..], b => Assert.Equal(0x5a, b));                        // bad-block log and data untouched

        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY))
        {
            var read = MemberMetadataIO.Read(fd, path, Bytes64M)!;
            Assert.Equal(member.Superblock, read.Superblock);
            Assert.Equal(member.Bitmap, read.Bitmap);
            Assert.Equal(member.BitmapBits.ToArray(), read.BitmapBits.ToArray());
            Assert.True(read.IsChunkDirty(0));
            Assert.Equal(1UL, read.DirtyChunks());
            Assert.Equal(8192, read.BitmapByteOffset);
        }
    }

    [Fact]
    public void Golden_mdadm_member_reads_back_as_mdadm_wrote_it()
    {
        var fixture = MdFixtureCase.Get("raid1-10g");
        string path = File(0);
        System.IO.File.WriteAllBytes(path, fixture.DeviceHead(1));
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        var read = MemberMetadataIO.Read(fd, path, fixture.MemberBytes[1])!; // the file holds the head; the device size is the case's
        Assert.Equal(fixture.Superblock(1), read.Superblock);
        Assert.Equal(160UL, read.Bitmap!.Bits);
        Assert.Equal(160UL, read.DirtyChunks());
        Assert.Equal(20, read.BitmapBits.Length);
    }

    [Fact]
    public void Zeroes_a_file_system_or_a_tiny_device_are_no_md_superblock()
    {
        string zero = File(Bytes64M);
        using (var fd = Open(zero))
            Assert.Null(MemberMetadataIO.Read(fd, zero, Bytes64M));
        string junk = File(Bytes64M, fill: 0x53);
        using (var fd = Open(junk))
            Assert.Null(MemberMetadataIO.Read(fd, junk, Bytes64M));
        string tiny = File(12 * 1024 - 512);
        using (var fd = Open(tiny))
            Assert.Null(MemberMetadataIO.Read(fd, tiny, 12 * 1024 - 512));
    }

    [Fact]
    public void Metadata_that_does_not_fit_the_device_is_refused_before_anything_is_written()
    {
        string path = File(32L << 20);
        var member = Plan().Members[0]; // laid out for 64 MiB
        using (var fd = Open(path))
        {
            var e = Assert.Throws<InvalidInputException>(() => MemberMetadataIO.Write(fd, path, member, 32L << 20));
            Assert.Contains("do not fit", e.Message);
            Assert.Equal(path, e.Path);
        }
        Assert.All(System.IO.File.ReadAllBytes(path)[..16384], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Inconsistent_metadata_is_refused_before_anything_is_written()
    {
        string path = File(Bytes64M);
        var member = Plan().Members[0];
        using var fd = Open(path);
        Assert.Throws<InvalidInputException>(() => MemberMetadataIO.Write(fd, path, member with { Bitmap = null }, Bytes64M));
        Assert.Throws<InvalidInputException>(() => MemberMetadataIO.Write(fd, path, member with { BitmapBits = new byte[3] }, Bytes64M));
        Assert.Throws<MdSuperblockException>(() => MemberMetadataIO.Write(fd, path,
            member with { Bitmap = member.Bitmap! with { Uuid = MdUuid.NewRandom() } }, Bytes64M));
        Assert.Throws<InvalidInputException>(() => MemberMetadataIO.Write(fd, path,
            member with { Superblock = member.Superblock with { SuperOffset = 0 } }, Bytes64M));
        Assert.All(System.IO.File.ReadAllBytes(path)[..16384], b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_bitmap_of_another_array_or_a_missing_bitmap_is_an_error_when_read()
    {
        string path = File(Bytes64M);
        var member = Plan().Members[0];
        using var fd = Open(path);
        MemberMetadataIO.Write(fd, path, member, Bytes64M);

        var foreign = new byte[4096];
        (member.Bitmap! with { Uuid = MdUuid.Parse("00000000:00000000:00000000:00000001") }).WriteTo(foreign);
        Fd.PWrite(fd, foreign, 8192, path);
        Assert.Equal("bitmap uuid", Assert.Throws<MdSuperblockException>(() => MemberMetadataIO.Read(fd, path, Bytes64M)).Rule);

        Fd.PWrite(fd, new byte[4096], 8192, path);
        Assert.Equal("bitmap magic", Assert.Throws<MdSuperblockException>(() => MemberMetadataIO.Read(fd, path, Bytes64M)).Rule);
    }

    [Fact]
    public void A_bitmap_reaching_into_the_data_is_an_error_when_read()
    {
        string path = File(Bytes64M);
        var member = Plan().Members[0];
        using var fd = Open(path);
        MemberMetadataIO.Write(fd, path, member, Bytes64M);
        var sb = member.Superblock with { DataOffset = 17, DataSize = (ulong)Bytes64M / 512 - 17 };
        Fd.PWrite(fd, sb.ToBlock(), 4096, path);
        Fd.PWrite(fd, (member.Bitmap! with { SyncSize = 4096, ChunkSize = 512 }).ToInitialArea(8).AsSpan(0, 4096), 8192, path);
        Assert.Equal("bitmap_offset", Assert.Throws<MdSuperblockException>(() => MemberMetadataIO.Read(fd, path, Bytes64M)).Rule);
    }

    [Fact]
    public void Probe_finds_every_native_md_superblock_and_erase_zeroes_only_them()
    {
        const long bytes = 8L << 20;
        ulong sectors = bytes / 512;
        string path = File(bytes, fill: 0x11);
        var sb = Plan(bytes).Members[0].Superblock;
        using var fd = Open(path);
        MemberMetadataIO.Write(fd, path, Plan(bytes).Members[0], bytes);               // 1.2 at 4 KiB, bitmap at 8 KiB
        Fd.PWrite(fd, (sb with { SuperOffset = 0 }).ToBlock(512), 0, path);             // 1.1 at 0
        long v10 = (long)((sectors - 16) & ~7UL) * 512;
        Fd.PWrite(fd, (sb with { SuperOffset = (sectors - 16) & ~7UL }).ToBlock(512), v10, path);
        long v090 = (long)((sectors & ~127UL) - 128) * 512;
        var v090sb = new byte[4096];
        BinaryPrimitives.WriteUInt32LittleEndian(v090sb, Interop.MdP.MD_SB_MAGIC);       // md_magic, major_version 0
        Fd.PWrite(fd, v090sb, v090, path);

        var found = MdSuperblockProbe.Find(fd, path, bytes);
        Assert.Equal(
            [new(MdSuperblockFormat.V1_2, 4096), new(MdSuperblockFormat.V1_1, 0), new(MdSuperblockFormat.V1_0, v10), new FoundMdSuperblock(MdSuperblockFormat.V0_90, v090)],
            found);

        MdSuperblockProbe.Erase(fd, path, found);
        Assert.Empty(MdSuperblockProbe.Find(fd, path, bytes));
        byte[] after = System.IO.File.ReadAllBytes(path);
        Assert.All(after[..512], b => Assert.Equal(0, b));
        Assert.All(after[512..4096], b => Assert.Equal(0x11, b));
        Assert.All(after[4096..4608], b => Assert.Equal(0, b));
        Assert.Equal("bitm"u8.ToArray(), after[8192..8196]);                             // the bitmap is not a superblock
        Assert.All(after[(int)v090..(int)(v090 + 4096)], b => Assert.Equal(0, b));
        Assert.Equal(0x11, after[(int)v090 + 4096]);
    }

    [Fact]
    public void Probe_ignores_the_magic_where_the_rest_does_not_match_the_format()
    {
        const long bytes = 8L << 20;
        string path = File(bytes);
        using var fd = Open(path);
        var block = Plan(bytes).Members[0].Superblock.ToBlock(512);                    // says super_offset 8
        Fd.PWrite(fd, block, 0, path);                                                   // ... but sits at 0
        var v090 = new byte[4096];
        BinaryPrimitives.WriteUInt32LittleEndian(v090, Interop.MdP.MD_SB_MAGIC);
        BinaryPrimitives.WriteUInt32LittleEndian(v090.AsSpan(4), 1);                     // 0.90 location, wrong major
        Fd.PWrite(fd, v090, (long)((bytes / 512 & ~127L) - 128) * 512, path);
        Assert.Empty(MdSuperblockProbe.Find(fd, path, bytes));
    }
}
