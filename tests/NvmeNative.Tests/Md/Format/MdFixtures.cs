using System.Globalization;
using NvmeNative.Md;
using NvmeNative.Md.Format;

namespace NvmeNative.Tests.Md.Format;

/// <summary>
/// The golden images real mdadm 4.2 wrote in the lab (Fixtures/md, made by make-fixtures.sh): one directory per
/// --create case with what was asked (case.txt) and, per member, bytes 4096.. of the device plus mdadm --examine.
/// </summary>
internal sealed record MdFixtureCase(string Id, string Name, string Uuid, long[] MemberBytes, string Directory)
{
    internal static string Root => Path.Combine(RepoPaths.Fixtures, "md");

    internal static IEnumerable<MdFixtureCase> All() =>
        System.IO.Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "case.txt")))
            .OrderBy(d => d, StringComparer.Ordinal).Select(Load);

    internal static MdFixtureCase Load(string directory)
    {
        var values = File.ReadAllLines(Path.Combine(directory, "case.txt"))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        int devices = int.Parse(values["raid_devices"], CultureInfo.InvariantCulture);
        var sizes = Enumerable.Range(0, devices)
            .Select(i => long.Parse(values[$"member{i}.bytes"], CultureInfo.InvariantCulture)).ToArray();
        return new MdFixtureCase(Path.GetFileName(directory), values["name"], values["uuid"], sizes, directory);
    }

    internal static MdFixtureCase Get(string id) => Load(Path.Combine(Root, id));

    internal static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var c in All())
            data.Add(c.Id);
        return data;
    }

    /// <summary>Bytes [4096, 4096 + (bblog_offset + bblog_size)·512) of member i, as mdadm left them.</summary>
    internal byte[] MemberImage(int i) => File.ReadAllBytes(Path.Combine(Directory, $"member{i}.bin"));

    internal string Examine(int i) => File.ReadAllText(Path.Combine(Directory, $"member{i}.examine.txt"));

    internal string ExamineBitmap(int i) => File.ReadAllText(Path.Combine(Directory, $"member{i}.bitmap.txt"));

    internal ulong MemberSectors(int i) => (ulong)MemberBytes[i] / 512;

    /// <summary>Our parse of member i's superblock, checked against the member's size like the kernel does.</summary>
    internal Superblock1 Superblock(int i) => Superblock1.Parse(MemberImage(i).AsSpan(0, 4096), $"{Id}/member{i}", deviceSectors: MemberSectors(i));

    /// <summary>An image of the member's first bytes: 4 KiB of zeroes (mdadm does not touch them) then the dump.</summary>
    internal byte[] DeviceHead(int i)
    {
        byte[] dump = MemberImage(i);
        var head = new byte[4096 + dump.Length];
        dump.CopyTo(head, 4096);
        return head;
    }
}
