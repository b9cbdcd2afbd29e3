using NvmeNative.Errors;
using System.Buffers.Binary;
using System.Text.RegularExpressions;
using NvmeNative.Md;
using NvmeNative.Md.Format;

namespace NvmeNative.Tests.Md.Format;

/// <summary>
/// Our codecs and builder against metadata real mdadm 4.2 wrote in the lab (Fixtures/md, make-fixtures.sh).
/// mdadm takes two things from outside the command line: the clock (ctime = utime = time(0)) and /dev/urandom
/// (each member's device_uuid). Those are the masked fields: the test reads them from mdadm's image and feeds them
/// to our builder as inputs. Every other byte of the dumped region — superblock, its zero padding, bitmap superblock,
/// bits and bitmap padding, the untouched bad-block log — must then be identical.
/// </summary>
public sealed partial class MdadmGoldenTests
{
    public static TheoryData<string> Cases => MdFixtureCase.Ids();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_member_parses_and_its_checksum_is_the_one_mdadm_examine_calls_correct(string id)
    {
        var fixture = MdFixtureCase.Get(id);
        for (int i = 0; i < fixture.MemberBytes.Length; i++)
        {
            var sb = fixture.Superblock(i);
            string examine = fixture.Examine(i);
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(fixture.MemberImage(i).AsSpan(0xD8));
            Assert.Contains($"Checksum : {stored:x} - correct", examine);
            Assert.Equal(stored, SuperblockChecksum.Compute(fixture.MemberImage(i)));
            Assert.Contains($"Array UUID : {sb.SetUuid}", examine);
            Assert.Contains($"Device UUID : {sb.DeviceUuid}", examine);
            Assert.Contains($"Name : {sb.SetName}", examine);
            Assert.Contains($"Data Offset : {sb.DataOffset} sectors", examine);
            Assert.Contains($"Avail Dev Size : {sb.DataSize} sectors", examine);
            Assert.Contains($"Events : {sb.Events}", examine);
            Assert.Contains("Flags : failfast", examine);
            Assert.Contains($"Device Role : Active device {i}", examine);
            Assert.Contains("State : clean", examine);
            Assert.Equal(fixture.Name, MdArrayName.ParseMdadmName(fixture.Name).Value);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_builder_writes_mdadms_bytes_with_only_time_and_device_uuid_taken_from_mdadm(string id)
    {
        var fixture = MdFixtureCase.Get(id);
        var mdadm = Enumerable.Range(0, fixture.MemberBytes.Length).Select(fixture.Superblock).ToList();
        Assert.All(mdadm, sb => Assert.Equal(mdadm[0].CTime, sb.UTime));
        var members = mdadm.Select((sb, i) => new Raid1NewMember(fixture.MemberSectors(i), sb.DeviceUuid)).ToList();
        var plan = Raid1CreateMetadata.Build(MdArrayName.ParseMdadmName(fixture.Name), MdUuid.Parse(fixture.Uuid), members,
            mdadm[0].CTime.ToDateTimeOffset());

        for (int i = 0; i < members.Count; i++)
        {
            byte[] golden = fixture.MemberImage(i);
            byte[] ours = OurImage(plan.Members[i], golden.Length);
            Assert.Equal(mdadm[i], plan.Members[i].Superblock);
            int differ = Enumerable.Range(0, golden.Length).FirstOrDefault(b => golden[b] != ours[b], -1);
            Assert.True(differ < 0, $"{id} member {i}: first difference at byte {differ} of the dump (device byte {4096 + differ}): " +
                $"mdadm {(differ < 0 ? 0 : golden[differ]):x2}, ours {(differ < 0 ? 0 : ours[differ]):x2}");
        }
    }

    /// <summary>What our writer puts on a fresh (zeroed) member from byte 4096 on, cut to the dump's length.</summary>
    private static byte[] OurImage(MemberMetadata member, int length)
    {
        var image = new byte[length];
        member.Superblock.ToBlock().CopyTo(image, 0);
        byte[] area = member.Bitmap!.ToInitialArea(member.Superblock.BitmapOffset);
        member.BitmapBits.Span.CopyTo(area.AsSpan(BitmapSuperblock.Length));
        area.CopyTo(image, member.Superblock.BitmapOffset * 512);
        return image;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bitmap_matches_mdadm_examine_bitmap(string id)
    {
        var fixture = MdFixtureCase.Get(id);
        var sb = fixture.Superblock(0);
        var bitmap = BitmapSuperblock.Parse(fixture.MemberImage(0).AsSpan(sb.BitmapOffset * 512, 256));
        bitmap.CheckBelongsTo(sb, null);
        string text = fixture.ExamineBitmap(0);
        Assert.Contains("Magic : 6d746962", text);
        Assert.Contains($"Version : {bitmap.Version}", text);
        Assert.Contains($"UUID : {bitmap.Uuid}", text);
        Assert.Contains($"Chunksize : {bitmap.ChunkSize >> 20} MB", text);
        Assert.Contains($"Daemon : {bitmap.DaemonSleep}s flush period", text);
        Assert.Contains($"Sync Size : {bitmap.SyncSize / 2} ", text);
        Assert.Contains($"Bitmap : {bitmap.Bits} bits (chunks), {bitmap.Bits} dirty (100.0%)", text);
        Assert.Equal((4u, 0UL, 0UL, BitmapState.None, 0u, 0u, 0u), (bitmap.Version, bitmap.Events, bitmap.EventsCleared, bitmap.State,
            bitmap.WriteBehind, bitmap.SectorsReserved, bitmap.Nodes));
    }

    [Fact]
    public void Names_mdadm_accepts_and_refuses()
    {
        string names = File.ReadAllText(Path.Combine(MdFixtureCase.Root, "names.txt"));
        Assert.Contains("name 'abcdefghijklmnopqrstuvwxyz1234567' is too long, 32 chars max.", names);
        Assert.Throws<InvalidInputException>(() => MdArrayName.ParseMdadmName("abcdefghijklmnopqrstuvwxyz1234567"));
        // mdadm stores a '/' ("Name : any:a/b"); we refuse it on purpose, since the name becomes /dev/md/NAME.
        Assert.Contains("Name : any:a/b", names);
        Assert.Throws<InvalidInputException>(() => MdArrayName.ParseMdadmName("a/b"));
        Assert.Throws<InvalidInputException>(() => MdArrayName.Parse("a/b"));
    }

    [Fact]
    public void Golden_cases_cover_the_layout_rules()
    {
        var ids = MdFixtureCase.All().Select(c => c.Id).ToHashSet();
        string[] required = ["raid1-32m", "raid1-64m", "raid1-100m", "raid1-1g", "raid1-10g", "raid1-300g", "raid1-9t", "raid1-70t",
            "raid1-3x64m", "raid1-1g-10g", "raid1-10g-1g", "raid1-odd", "name-27", "name-28", "name-32", "name-colon", "uuid-2"];
        Assert.All(required, r => Assert.Contains(r, ids));
        Assert.Matches(VersionPattern(), File.ReadAllText(Path.Combine(MdFixtureCase.Root, "mdadm-version.txt")));
        var offsets = MdFixtureCase.All().Select(c => c.Superblock(0).DataOffset).Distinct().Order().ToList();
        Assert.Equal([2048UL, 4096UL, 18432UL, 264192UL], offsets);
    }

    [GeneratedRegex(@"mdadm - v4\.2 ")]
    private static partial Regex VersionPattern();
}
