using System.Buffers.Binary;
using NvmeNative.Errors;
using NvmeNative.Md.Format;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Format;

public sealed class Superblock1Tests
{
    private static byte[] Vector()
    {
        var sb = new byte[4096];
        SuperblockChecksumTests.ReferenceVector().CopyTo(sb, 0);
        SuperblockChecksum.Store(sb);
        return sb;
    }

    /// <summary>Mutates the reference vector and re-stores a correct checksum, so only the mutation is wrong.</summary>
    private static byte[] Mutated(Action<byte[]> change)
    {
        var sb = Vector();
        change(sb);
        SuperblockChecksum.Store(sb);
        return sb;
    }

    private static MdSuperblockException Refused(byte[] image, ulong superOffset = 8, ulong? deviceSectors = null, int logicalBlockSize = 512) =>
        Assert.Throws<MdSuperblockException>(() => Superblock1.Parse(image, "/dev/test", superOffset, deviceSectors, logicalBlockSize));

    [Fact]
    public void Offsets_come_from_the_gcc_checked_struct_and_match_the_reference_table()
    {
        var expected = new (string, int, int)[]
        {
            ("magic", Superblock1Offsets.Magic, 0x00), ("major_version", Superblock1Offsets.MajorVersion, 0x04),
            ("feature_map", Superblock1Offsets.FeatureMap, 0x08), ("pad0", Superblock1Offsets.Pad0, 0x0C),
            ("set_uuid", Superblock1Offsets.SetUuid, 0x10), ("set_name", Superblock1Offsets.SetName, 0x20),
            ("ctime", Superblock1Offsets.CTime, 0x40), ("level", Superblock1Offsets.Level, 0x48),
            ("layout", Superblock1Offsets.Layout, 0x4C), ("size", Superblock1Offsets.Size, 0x50),
            ("chunksize", Superblock1Offsets.ChunkSize, 0x58), ("raid_disks", Superblock1Offsets.RaidDisks, 0x5C),
            ("bitmap_offset", Superblock1Offsets.BitmapOffset, 0x60), ("new_level", Superblock1Offsets.NewLevel, 0x64),
            ("reshape_position", Superblock1Offsets.ReshapePosition, 0x68), ("delta_disks", Superblock1Offsets.DeltaDisks, 0x70),
            ("new_layout", Superblock1Offsets.NewLayout, 0x74), ("new_chunk", Superblock1Offsets.NewChunk, 0x78),
            ("new_offset", Superblock1Offsets.NewOffset, 0x7C), ("data_offset", Superblock1Offsets.DataOffset, 0x80),
            ("data_size", Superblock1Offsets.DataSize, 0x88), ("super_offset", Superblock1Offsets.SuperOffset, 0x90),
            ("recovery_offset", Superblock1Offsets.RecoveryOffset, 0x98), ("dev_number", Superblock1Offsets.DevNumber, 0xA0),
            ("cnt_corrected_read", Superblock1Offsets.CntCorrectedRead, 0xA4), ("device_uuid", Superblock1Offsets.DeviceUuid, 0xA8),
            ("devflags", Superblock1Offsets.DevFlags, 0xB8), ("bblog_shift", Superblock1Offsets.BblogShift, 0xB9),
            ("bblog_size", Superblock1Offsets.BblogSize, 0xBA), ("bblog_offset", Superblock1Offsets.BblogOffset, 0xBC),
            ("utime", Superblock1Offsets.UTime, 0xC0), ("events", Superblock1Offsets.Events, 0xC8),
            ("resync_offset", Superblock1Offsets.ResyncOffset, 0xD0), ("sb_csum", Superblock1Offsets.SbCsum, 0xD8),
            ("max_dev", Superblock1Offsets.MaxDev, 0xDC), ("pad3", Superblock1Offsets.Pad3, 0xE0),
            ("dev_roles", Superblock1Offsets.DevRoles, 0x100), ("sizeof", Superblock1Offsets.HeadSize, 256),
        };
        Assert.All(expected, e => Assert.True(e.Item2 == e.Item3, $"{e.Item1}: {e.Item2:x} != {e.Item3:x}"));
    }

    [Fact]
    public void Reference_vector_parses_to_its_fields()
    {
        var sb = Superblock1.Parse(Vector());
        Assert.Equal(Superblock1Features.BitmapOffset, sb.FeatureMap);
        Assert.Equal("00010203:04050607:08090a0b:0c0d0e0f", sb.SetUuid.ToString());
        Assert.Equal("any:vol1", sb.SetName);
        Assert.Equal(0x60000000UL, sb.CTime.Seconds);
        Assert.Equal(0u, sb.CTime.Microseconds);
        Assert.Equal(1, sb.Level);
        Assert.Equal(209582080UL, sb.Size);
        Assert.Equal(2, sb.RaidDisks);
        Assert.Equal(8, sb.BitmapOffset);
        Assert.Equal(133120UL, sb.DataOffset);
        Assert.Equal(209582080UL, sb.DataSize);
        Assert.Equal(8UL, sb.SuperOffset);
        Assert.Equal("10111213:14151617:18191a1b:1c1d1e1f", sb.DeviceUuid.ToString());
        Assert.Equal(Superblock1DeviceFlags.FailFast, sb.DevFlags);
        Assert.True(sb.FailFast);
        Assert.Equal((ushort)8, sb.BblogSize);
        Assert.Equal(16, sb.BblogOffset);
        Assert.Equal(0UL, sb.Events);
        Assert.True(sb.IsClean);
        Assert.Equal(128, sb.MaxDev);
        Assert.Equal(new ushort[] { 0, 1, 0xffff }, sb.DevRoles.Take(3));
        Assert.Equal((ushort)0, sb.Role);
    }

    [Fact]
    public void Writing_the_parsed_reference_vector_gives_its_bytes_and_the_kernel_checksum()
    {
        byte[] vector = Vector();
        var written = new byte[4096];
        Superblock1.Parse(vector).WriteTo(written);
        Assert.Equal(vector, written);
        Assert.Equal(0x76989decu, BinaryPrimitives.ReadUInt32LittleEndian(written.AsSpan(0xD8)));
    }

    internal static Superblock1 EveryFieldSet() => new()
    {
        FeatureMap = Superblock1Features.BitmapOffset | Superblock1Features.RecoveryOffset | Superblock1Features.ReshapeActive
            | Superblock1Features.NewOffset,
        SetUuid = MdUuid.Parse("0f1e2d3c:4b5a6978:8796a5b4:c3d2e1f0"),
        SetNameBytes = Superblock1.EncodeSetName("host:name-with-32-bytes-exactly!"),
        CTime = new Superblock1Time(0xFF_FFFF_FFFF, 999_999),
        Level = 1,
        Layout = 0x102,
        Size = 0x1_2345_6789,
        ChunkSize = 128,
        RaidDisks = 3,
        BitmapOffset = -4096,
        NewLevel = 5,
        ReshapePosition = 0xAB_CDEF,
        DeltaDisks = -1,
        NewLayout = 2,
        NewChunk = 256,
        NewOffset = -2048,
        DataOffset = 264192,
        DataSize = 0x2_0000_0000,
        SuperOffset = 8,
        RecoveryOffset = 77,
        DevNumber = 2,
        CntCorrectedRead = 3,
        DeviceUuid = MdUuid.Parse("ffeeddcc-bbaa-9988-7766-554433221100"),
        DevFlags = Superblock1DeviceFlags.FailFast | Superblock1DeviceFlags.WriteMostly,
        BblogShift = 3,
        BblogSize = 8,
        BblogOffset = -16,
        UTime = new Superblock1Time(1_700_000_000, 123_456),
        Events = 0x1234_5678_9ABC,
        ResyncOffset = 4242,
        DevRoles = [0, 1, 2, 0xfffe, 0xfffd, 0xffff, 7],
    };

    [Fact]
    public void Every_field_round_trips_including_signed_and_time_fields_and_an_odd_max_dev()
    {
        var original = EveryFieldSet();
        var image = new byte[4096];
        original.WriteTo(image);
        var parsed = Superblock1.Parse(image);
        Assert.Equal(original, parsed);
        Assert.Equal(-4096, parsed.BitmapOffset);
        Assert.Equal(-16, parsed.BblogOffset);
        Assert.Equal(-2048, parsed.NewOffset);
        Assert.Equal(-1, parsed.DeltaDisks);
        Assert.Equal(7, parsed.MaxDev);
        Assert.Equal((ushort)2, parsed.Role);
        Assert.Equal("host:name-with-32-bytes-exactly!", parsed.SetName);
        var again = new byte[4096];
        parsed.WriteTo(again);
        Assert.Equal(image, again);
    }

    [Fact]
    public void Times_are_40_bits_of_seconds_and_24_bits_of_microseconds()
    {
        var image = new byte[4096];
        EveryFieldSet().WriteTo(image);
        Assert.Equal(0x0F423F_FFFFFFFFFFUL, BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(0x40)));
        Assert.Equal(1_700_000_000UL | (123_456UL << 40), BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(0xC0)));
        Assert.Equal(new Superblock1Time(5, 6), Superblock1Time.FromRaw(5 | (6UL << 40)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Superblock1Time(1UL << 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Superblock1Time(0, 1u << 24));
        var created = Superblock1Time.FromCreationTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_999));
        Assert.Equal((1_700_000_000UL, 0u), (created.Seconds, created.Microseconds));
    }

    [Fact]
    public void WriteTo_touches_only_the_encoded_length_and_ToBlock_pads_with_zeroes()
    {
        var sb = Superblock1.Parse(Vector());
        var buffer = new byte[4096];
        buffer.AsSpan().Fill(0xAA);
        sb.WriteTo(buffer);
        Assert.Equal(512, sb.EncodedLength);
        Assert.All(buffer.AsSpan(512).ToArray(), b => Assert.Equal(0xAA, b));
        byte[] block = sb.ToBlock();
        Assert.Equal(4096, block.Length);
        Assert.All(block.AsSpan(512).ToArray(), b => Assert.Equal(0, b));
        Assert.Throws<ArgumentException>(() => sb.WriteTo(new byte[511]));
    }

    [Fact]
    public void Zeroes_and_foreign_data_are_no_superblock_not_an_error()
    {
        Assert.Null(Superblock1.ParseIfPresent(new byte[4096]));
        var ext4ish = new byte[4096];
        new Random(7).NextBytes(ext4ish);
        BinaryPrimitives.WriteUInt32LittleEndian(ext4ish, 0xef53);
        Assert.Null(Superblock1.ParseIfPresent(ext4ish));
        var e = Refused(new byte[4096]);
        Assert.Equal("magic", e.Rule);
        Assert.Contains("no md superblock", e.Message);
        Assert.Equal("/dev/test", e.Path);
    }

    [Fact]
    public void Bad_checksum_is_refused_naming_both_values()
    {
        var image = Vector();
        image[0x102] ^= 1; // dev_roles[1]
        var e = Refused(image);
        Assert.Equal("sb_csum", e.Rule);
        Assert.Contains("0x76989dec", e.Message);
    }

    [Theory]
    [InlineData("major_version", 0x04, 2u)]
    [InlineData("feature_map", 0x08, 0x2001u)]
    [InlineData("pad0", 0x0C, 1u)]
    [InlineData("data_size", 0x88, 9u)]
    [InlineData("data_offset", 0x80, 8u)]
    public void Kernel_rules_on_32_bit_and_64_bit_fields(string rule, int offset, uint value)
    {
        var image = Mutated(b =>
        {
            if (offset is 0x88 or 0x80)
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offset), value);
            else
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(offset), value);
        });
        Assert.Equal(rule, Refused(image).Rule);
    }

    [Fact]
    public void Max_dev_above_1920_is_refused()
    {
        var image = new byte[8192];
        Vector().CopyTo(image, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0xDC), 1921);
        SuperblockChecksum.Store(image);
        Assert.Equal("max_dev", Refused(image).Rule);
    }

    [Fact]
    public void Max_dev_of_1920_is_the_largest_accepted()
    {
        var image = Mutated(b =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0xDC), 1920);
            b.AsSpan(0x200).Fill(0xff);
        });
        Assert.Equal(1920, Superblock1.Parse(image).MaxDev);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    public void Any_non_zero_pad3_byte_is_refused_as_a_feature_these_kernels_do_not_know(int index)
    {
        var e = Refused(Mutated(b => b[0xE0 + index] = 1));
        Assert.Equal("pad3", e.Rule);
        Assert.Contains($"byte {index}", e.Message);
    }

    [Fact]
    public void A_logical_block_size_set_by_a_kernel_after_6_18_is_named_and_refused_where_the_kernel_does_not_know_it()
    {
        var image = Mutated(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0xE0), 512));
        var e = Refused(image);
        Assert.Equal("pad3", e.Rule);
        Assert.Contains("logical_block_size 512", e.Message);
        Assert.Contains("after 6.18", e.Message);

        // A kernel that knows the field (7.x in the lab) accepts it, and it survives a write.
        var sb = Superblock1.Parse(image, kernelKnowsLogicalBlockSizeField: true);
        Assert.Equal(512u, sb.LogicalBlockSize);
        var written = new byte[4096];
        sb.WriteTo(written);
        Assert.Equal(512u, BinaryPrimitives.ReadUInt32LittleEndian(written.AsSpan(0xE0)));
        Assert.Equal(sb, Superblock1.Parse(written, kernelKnowsLogicalBlockSizeField: true));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(31)]
    public void A_kernel_that_knows_logical_block_size_still_refuses_the_rest_of_pad3(int index)
    {
        var image = Mutated(b =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0xE0), 4096);
            b[0xE0 + index] = 1;
        });
        var e = Assert.Throws<MdSuperblockException>(() => Superblock1.Parse(image, kernelKnowsLogicalBlockSizeField: true));
        Assert.Equal("pad3", e.Rule);
        Assert.Contains($"byte {index}", e.Message);
    }

    [Theory]
    [InlineData(256u)]
    [InlineData(1000u)]
    [InlineData(8192u)]
    public void A_logical_block_size_that_is_no_block_size_is_refused(uint size)
    {
        var image = Mutated(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0xE0), size));
        var e = Assert.Throws<MdSuperblockException>(() => Superblock1.Parse(image, kernelKnowsLogicalBlockSizeField: true));
        Assert.Equal("logical_block_size", e.Rule);
    }

    [Fact]
    public void Super_offset_must_name_the_sector_it_was_read_from()
    {
        Assert.Equal("super_offset", Refused(Vector(), superOffset: 0).Rule);
        Assert.Equal("super_offset", Refused(Mutated(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x90), 0))).Rule);
    }

    [Fact]
    public void Data_must_start_after_the_superblock_rounded_to_the_logical_block()
    {
        var at9 = Mutated(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x80), 9));
        Assert.Equal(9UL, Superblock1.Parse(at9).DataOffset);               // 512-byte blocks: the superblock is sector 8
        Assert.Equal("data_offset", Refused(at9, logicalBlockSize: 4096).Rule); // 4 KiB blocks: it is sectors 8..15
    }

    [Fact]
    public void A_reshape_new_offset_must_not_reach_into_the_superblock()
    {
        var image = Mutated(b =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0x08), 1 | 4 | 64);
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(0x7C), -133115);
        });
        Assert.Equal("new_offset", Refused(image).Rule);
    }

    [Fact]
    public void A_bad_block_log_must_be_placed_and_at_most_one_page()
    {
        Assert.Equal("bblog_size", Refused(Mutated(b =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0x08), 1 | 8);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0xBA), 9);
        })).Rule);
        Assert.Equal("bblog_offset", Refused(Mutated(b =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0x08), 1 | 8);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0xBC), 0);
        })).Rule);
        // Without the feature bit the kernel ignores the log fields.
        Assert.NotNull(Superblock1.Parse(Mutated(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0xBA), 9))));
    }

    [Fact]
    public void Raid0_layout_feature_is_only_for_level_0()
    {
        Assert.Equal("feature_map", Refused(Mutated(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0x08), 1 | 4096))).Rule);
    }

    [Fact]
    public void Data_must_fit_on_the_device_when_its_size_is_known()
    {
        Assert.NotNull(Superblock1.Parse(Vector(), deviceSectors: 133120 + 209582080UL));
        var e = Refused(Vector(), deviceSectors: 133120 + 209582079UL);
        Assert.Equal("data_size", e.Rule);
        Assert.Contains("do not fit", e.Message);
    }

    [Fact]
    public void An_image_shorter_than_max_dev_needs_is_a_caller_error()
    {
        Assert.Throws<ArgumentException>(() => Superblock1.Parse(Vector().AsSpan(0, 300)));
        Assert.Throws<ArgumentException>(() => Superblock1.Parse(new byte[100]));
    }

    [Fact]
    public void Set_name_is_32_bytes_at_most()
    {
        Assert.Throws<ArgumentException>(() => Superblock1.EncodeSetName(new string('x', 33)));
        Assert.Equal("é", Superblock1.Parse(Mutated(b => { b.AsSpan(0x20, 32).Clear(); "é"u8.CopyTo(b.AsSpan(0x20)); })).SetName);
        var tooMany = Superblock1.Parse(Vector()) with { DevRoles = [.. new ushort[1921]] };
        Assert.Throws<InvalidOperationException>(() => tooMany.WriteTo(new byte[8192]));
    }

    [Fact]
    public void Role_of_a_dev_number_beyond_dev_roles_is_spare()
    {
        var sb = Superblock1.Parse(Vector()) with { DevNumber = 500 };
        Assert.Equal(Interop.MdP.MD_DISK_ROLE_SPARE, sb.Role);
    }
}
