using NvmeNative.Errors;
using NvmeNative.Md.Format;
using NvmeNative.Md;

namespace NvmeNative.Tests.Md.Format;

public sealed class Raid1LayoutTests
{
    public static TheoryData<string> Cases => MdFixtureCase.Ids();

    /// <summary>
    /// Ours against what mdadm 4.2 wrote for the same member sizes (Fixtures/md, every case): the layout must equal
    /// the superblock and bitmap fields of each member's golden image.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Layout_equals_mdadms_for_every_golden_case(string id)
    {
        var fixture = MdFixtureCase.Get(id);
        var layout = Raid1Layout.Compute(fixture.MemberBytes.Select(b => (ulong)b / 512).ToList());
        for (int i = 0; i < fixture.MemberBytes.Length; i++)
        {
            var sb = fixture.Superblock(i);
            var bitmap = BitmapSuperblock.Parse(fixture.MemberImage(i).AsSpan(sb.BitmapOffset * 512, 256));
            Assert.Equal(sb.DataOffset, layout.DataOffset);
            Assert.Equal(sb.Size, layout.ComponentSize);
            Assert.Equal(sb.DataSize, layout.DataSizes[i]);
            Assert.Equal(Raid1Layout.SuperOffset, sb.SuperOffset);
            Assert.Equal(Raid1Layout.BitmapOffset, sb.BitmapOffset);
            Assert.Equal(sb.BblogOffset, layout.BblogOffset);
            Assert.Equal(sb.BblogSize, layout.BblogSize);
            Assert.Equal(sb.BblogShift, layout.BblogShift);
            Assert.Equal(sb.MaxDev, layout.MaxDev);
            Assert.Equal(sb.RaidDisks, layout.RaidDisks);
            Assert.Equal(bitmap.ChunkSize, layout.BitmapChunkBytes);
            Assert.Equal(bitmap.Bits, layout.BitmapBits);
            Assert.Equal(bitmap.SyncSize, layout.ComponentSize);
            Assert.Equal(bitmap.AreaBytes(sb.BitmapOffset) / 512, layout.BitmapSpace);
        }
    }

    /// <summary>The same numbers as a table a person can read (mdadm --examine of the golden cases).</summary>
    [Theory]
    //          member MiB,           data_offset, size (sectors), chunk MiB, bits,   bitmap sectors, bblog_offset
    [InlineData(new long[] { 32, 32 }, 2048UL, 63488UL, 64, 1UL, 8u, 16)]
    [InlineData(new long[] { 64, 64 }, 2048UL, 129024UL, 64, 1UL, 8u, 16)]
    [InlineData(new long[] { 100, 100 }, 2048UL, 202752UL, 64, 2UL, 8u, 16)]
    [InlineData(new long[] { 1024, 1024 }, 4096UL, 2093056UL, 64, 16UL, 8u, 16)]
    [InlineData(new long[] { 10240, 10240 }, 18432UL, 20953088UL, 64, 160UL, 8u, 16)]
    [InlineData(new long[] { 307200, 307200 }, 264192UL, 628881408UL, 64, 4798UL, 8u, 16)]
    [InlineData(new long[] { 9437184, 9437184 }, 264192UL, 19327088640UL, 64, 147454UL, 40u, 48)]
    [InlineData(new long[] { 73400320, 73400320 }, 264192UL, 150323591168UL, 128, 573439UL, 144u, 152)]
    [InlineData(new long[] { 64, 100 }, 2048UL, 129024UL, 64, 1UL, 8u, 16)]
    public void Layout_table(long[] memberMiB, ulong dataOffset, ulong size, int chunkMiB, ulong bits, uint bitmapSectors, int bblogOffset)
    {
        var layout = Raid1Layout.Compute(memberMiB.Select(m => (ulong)m * 2048).ToList());
        Assert.Equal(dataOffset, layout.DataOffset);
        Assert.Equal(size, layout.ComponentSize);
        Assert.Equal((uint)chunkMiB << 20, layout.BitmapChunkBytes);
        Assert.Equal(bits, layout.BitmapBits);
        Assert.Equal(bitmapSectors, layout.BitmapSpace);
        Assert.Equal(bblogOffset, layout.BblogOffset);
        Assert.Equal((ushort)8, layout.BblogSize);
        Assert.Equal(128, layout.MaxDev);
    }

    [Fact]
    public void Data_offset_comes_from_the_first_member_and_size_from_the_smallest()
    {
        var smallFirst = Raid1Layout.Compute([1024UL * 2048, 10240UL * 2048]);
        var largeFirst = Raid1Layout.Compute([10240UL * 2048, 1024UL * 2048]);
        Assert.Equal(4096UL, smallFirst.DataOffset);
        Assert.Equal(18432UL, largeFirst.DataOffset);
        Assert.Equal((1024UL * 2048 - 4096) / 128 * 128, smallFirst.ComponentSize);
        Assert.Equal((1024UL * 2048 - 18432) / 128 * 128, largeFirst.ComponentSize);
        Assert.Equal([1024UL * 2048 - 18432 + 9216UL * 2048, 1024UL * 2048 - 18432], largeFirst.DataSizes);
    }

    [Fact]
    public void Component_size_is_rounded_down_to_64_KiB()
    {
        var layout = Raid1Layout.Compute([97656UL, 97659UL]); // golden case raid1-odd: 49999872 and 50001408 bytes
        Assert.Equal(95488UL, layout.ComponentSize);
        Assert.Equal([95608UL, 95611UL], layout.DataSizes);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(127UL, 0UL)]
    [InlineData(128UL, 8UL)]
    [InlineData(16777224UL, 8UL)]      // 8 GiB + 4 KiB: not above 8 GiB once 4 KiB is taken off
    [InlineData(16777225UL, 128UL)]
    [InlineData(419430527UL, 128UL)]   // 200 GiB + 64 KiB - 1 sector
    [InlineData(419430528UL, 256UL)]
    public void Bitmap_space_thresholds(ulong sectors, ulong space)
    {
        Assert.Equal(space, Raid1Layout.ChooseBitmapSpace(sectors));
    }

    [Theory]
    [InlineData(1, 128)]
    [InlineData(2, 128)]
    [InlineData(128, 128)]
    [InlineData(129, 384)]
    [InlineData(1920, 1920)]
    public void Max_dev_fills_whole_sectors(int devices, int maxDev)
    {
        Assert.Equal(maxDev, Raid1Layout.MaxDevFor(devices));
    }

    [Fact]
    public void Headroom_halves_while_above_a_thousandth_of_the_first_member()
    {
        Assert.Equal(2048UL, Raid1Layout.DefaultDataOffset(65536));            // 32 MiB: 64 sectors of headroom
        Assert.Equal(264192UL, Raid1Layout.DefaultDataOffset(1UL << 40));      // capped at 128 MiB (+128 KiB bitmap, 12 KiB)
        Assert.Equal(133120UL, Raid1Layout.DefaultDataOffset(100UL << 21));    // 100 GiB: 64 MiB + 64 KiB + 12 KiB -> 65 MiB
    }

    [Fact]
    public void Members_too_small_for_the_metadata_are_refused()
    {
        Assert.Equal("members", Assert.Throws<InvalidInputException>(() => Raid1Layout.Compute([])).KeyPath);
        Assert.Contains("member 1", Assert.Throws<InvalidInputException>(() => Raid1Layout.Compute([65536UL, 2048UL])).Message);
        Assert.Contains("at least 128", Assert.Throws<InvalidInputException>(() => Raid1Layout.Compute([2048UL + 127])).Message);
        Assert.NotNull(Raid1Layout.Compute([2048UL + 128]));
        Assert.Throws<InvalidInputException>(() => Raid1Layout.Compute(Enumerable.Repeat(65536UL, 1921).ToList()));
    }
}
