using System.Diagnostics;
using System.Security.Cryptography;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.Md.Format;
using NvmeNative.ReplicaState;
using NvmeNative.TestSupport;
using static NvmeNative.Tests.ReplicaStateTests.ReplicaFixtures;

namespace NvmeNative.Tests.Md.Format;

/// <summary>
/// Every case of the hostile replica corpus (<see cref="HostileReplicaCorpus"/>) on replica 1 of a two-replica volume,
/// through what an attach does with it: the member reader (a typed left-out reason naming the field, or none/another
/// array; bounded allocation and time; nothing written), the assembly planner (left out, or a refusal naming it when
/// nothing else is left) and the start rule (left out and never re-added, or a refusal naming it). Regular files stand
/// in for the replicas' block devices.
/// </summary>
public sealed class HostileReplicaCorpusTests : IDisposable
{
    private const long DeviceBytes = 32L << 20;

    /// <summary>What reading one member may allocate: the 4 KiB superblock, the bitmap superblock and their copies.</summary>
    private const long AllocationBound = 256 << 10;

    private static readonly MdUuid ArrayA = MdUuid.Parse(ArrayUuid);

    private readonly string _dir = Directory.CreateTempSubdirectory("nvmenative-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> CaseNames() => [.. HostileReplicaCorpus.Cases.Select(c => c.Name)];

    /// <summary>The genuine metadata of both members of an array over devices of <paramref name="deviceBytes"/>.</summary>
    private static Raid1CreatePlan Genuine(long deviceBytes) =>
        Raid1CreateMetadata.Build(MdArrayName.Parse("vol1"), ArrayA,
            [new Raid1NewMember((ulong)deviceBytes / 512, MdUuid.NewRandom()), new Raid1NewMember((ulong)deviceBytes / 512, MdUuid.NewRandom())],
            DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    /// <summary>A sparse file of <paramref name="deviceBytes"/> holding <paramref name="member"/>'s metadata, and its first <see cref="HostileReplicaCorpus.HeadBytes"/>.</summary>
    private (string Path, byte[] Head) Member(MemberMetadata member, long deviceBytes)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        using (var fs = new FileStream(path, FileMode.CreateNew))
            fs.SetLength(deviceBytes);
        using (var fd = Fd.Open(path, Interop.Fcntl.O_RDWR))
            MemberMetadataIO.Write(fd, path, member, deviceBytes);
        var head = new byte[HostileReplicaCorpus.HeadBytes];
        using (var fs = File.OpenRead(path))
            fs.ReadExactly(head);
        return (path, head);
    }

    private static void Overwrite(string path, byte[] head)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Write(head);
    }

    private static byte[] HeadHash(string path)
    {
        using var fs = File.OpenRead(path);
        var head = new byte[HostileReplicaCorpus.HeadBytes];
        fs.ReadExactly(head);
        return SHA256.HashData(head);
    }

    /// <summary>What reading the crafted replica gave: metadata, none, or the check that failed.</summary>
    private sealed record Reading(MemberMetadata? Metadata, MdSuperblockException? Invalid);

    /// <summary>Writes the case onto replica 1's file and reads it as the attach would, checking allocation, time and that nothing changed.</summary>
    private (Reading Replica1, MemberMetadata Replica0) Read(HostileReplicaCase hostile)
    {
        long deviceBytes = Math.Max(DeviceBytes, hostile.MinDeviceBytes);
        var plan = Genuine(deviceBytes);
        var (path, head) = Member(plan.Members[1], deviceBytes);
        Overwrite(path, HostileReplicaCorpus.Craft(hostile, head, deviceBytes));
        byte[] before = HeadHash(path);
        DateTime modified = File.GetLastWriteTimeUtc(path);

        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        _ = Xunit.Record.Exception(() => MemberMetadataIO.Read(fd, path, deviceBytes)); // warm up: one-time costs are not the member's
        var clock = Stopwatch.StartNew();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Reading reading;
        try
        {
            reading = new Reading(MemberMetadataIO.Read(fd, path, deviceBytes, readBits: true), null);
        }
        catch (MdSuperblockException e)
        {
            reading = new Reading(null, e);
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        clock.Stop();

        Assert.True(allocated < AllocationBound, $"{hostile.Name}: reading the member allocated {allocated} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{hostile.Name}: reading the member took {clock.Elapsed}");
        Assert.Equal(before, HeadHash(path));
        Assert.Equal(modified, File.GetLastWriteTimeUtc(path));
        return (reading, plan.Members[0]);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void The_reader_gives_a_typed_reason_in_bounded_memory_and_time_and_writes_nothing(string name)
    {
        var hostile = HostileReplicaCorpus.Get(name);
        var (reading, _) = Read(hostile);
        switch (hostile.Outcome)
        {
            case HostileOutcome.InvalidMetadata:
                Assert.True(reading.Invalid is not null, $"{name}: read as valid metadata");
                Assert.Equal(hostile.Rule, reading.Invalid!.Rule);
                Assert.DoesNotContain('\n', reading.Invalid.Message);
                break;
            case HostileOutcome.NoSuperblock:
                Assert.Null(reading.Invalid);
                Assert.Null(reading.Metadata);
                break;
            default:
                Assert.Null(reading.Invalid);
                Assert.NotNull(reading.Metadata);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void The_assembly_leaves_the_replica_out_with_its_reason_and_without_another_member_refuses_naming_it(string name)
    {
        var hostile = HostileReplicaCorpus.Get(name);
        var (reading, genuine) = Read(hostile);
        var a = MemberSuperblock.From("/dev/replica0", genuine.Superblock);
        var (superblocks, blank, unusable) = Inputs(reading);

        var plan = AssemblePlanner.Plan([a, .. superblocks], blank, ArrayA, allowDegraded: true, unusable);
        Assert.Equal(["/dev/replica0"], plan.Included.Select(s => s.Member));
        var left = Assert.Single(plan.LeftOut);
        Assert.Equal("/dev/replica1", left.Member);
        Assert.Equal(Expected(hostile.Outcome), left.Reason);
        if (hostile.Rule is not null)
            Assert.Contains($"({hostile.Rule})", left.Detail);

        if (hostile.Outcome == HostileOutcome.Mismatch)
            return; // alone, its metadata is consistent: there is nothing it disagrees with
        var refused = Assert.Throws<MdAssembleRefusedException>(() => AssemblePlanner.Plan(superblocks, blank, ArrayA, allowDegraded: true, unusable));
        var named = Assert.Single(refused.LeftOut);
        Assert.Equal(Expected(hostile.Outcome), named.Reason);
        Assert.Contains("/dev/replica1", refused.Message);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void The_start_rule_never_makes_it_a_source_or_re_adds_it_and_without_a_record_refuses_naming_it(string name)
    {
        var hostile = HostileReplicaCorpus.Get(name);
        var (reading, genuine) = Read(hostile);
        var replica0 = new ReplicaObservation(0, Id(0), true, Facts(genuine.Superblock));
        var replica1 = reading switch
        {
            { Invalid: { } e } => new ReplicaObservation(1, Id(1), true) { InvalidMetadata = e.LeftOutDetail },
            { Metadata: { } m } => new ReplicaObservation(1, Id(1), true, Facts(m.Superblock)),
            _ => Blank(1),
        };

        var withRecord = StartRule.Evaluate(new StartRuleInput(2, Record(2, 0), [replica0, replica1], false, "file:/test"));
        Assert.True(withRecord.Allowed, withRecord.Message);
        Assert.Contains(0, withRecord.Sources);
        if (hostile.Outcome != HostileOutcome.Mismatch) // the planner leaves a mismatch out (the rule sees no geometry)
        {
            Assert.DoesNotContain(1, withRecord.Sources);
            var left = Assert.Single(withRecord.LeftOut);
            Assert.Equal(1, left.Index);
        }
        if (hostile.Outcome == HostileOutcome.InvalidMetadata)
        {
            var left = Assert.Single(withRecord.LeftOut);
            Assert.Equal(ReplicaLeftOutReason.InvalidMetadata, left.Reason);
            Assert.False(left.ReAdd);
            Assert.Contains($"({hostile.Rule})", left.Detail);

            var without = StartRule.Evaluate(new StartRuleInput(2, null, [replica0, replica1], false, "file:/test"));
            Assert.False(without.Allowed);
            Assert.Equal(ReplicaLeftOutReason.InvalidMetadata, Assert.Single(without.LeftOut).Reason);
            Assert.Contains($"({hostile.Rule})", without.Message);
        }
    }

    [Fact]
    public void The_corpus_covers_what_the_issue_names()
    {
        var rules = HostileReplicaCorpus.Cases.Select(c => c.Rule).ToHashSet();
        foreach (string rule in (string[])["sb_csum", "major_version", "max_dev", "raid_disks", "dev_number", "data_size", "size", "data_offset",
                     "bblog_offset", "bitmap_offset", "bitmap magic", "bitmap version", "bitmap sync_size", "bitmap size", "bitmap uuid"])
            Assert.Contains(rule, rules);
        Assert.Contains(HostileReplicaCorpus.Cases, c => c.Outcome == HostileOutcome.OtherArray);
        Assert.Contains(HostileReplicaCorpus.Cases, c => c.Outcome == HostileOutcome.NoSuperblock);
        Assert.True(HostileReplicaCorpus.Cases.Count >= 40);
        Assert.Equal(HostileReplicaCorpus.Cases.Count, HostileReplicaCorpus.Cases.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void A_genuine_member_passes_every_bound_and_its_bits_are_read_only_when_asked_for()
    {
        var plan = Genuine(DeviceBytes);
        var (path, _) = Member(plan.Members[1], DeviceBytes);
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        var withBits = MemberMetadataIO.Read(fd, path, DeviceBytes)!;
        Assert.Equal(plan.Members[1].BitmapBits.ToArray(), withBits.BitmapBits.ToArray());
        var withoutBits = MemberMetadataIO.Read(fd, path, DeviceBytes, readBits: false)!;
        Assert.Equal(plan.Members[1].Superblock, withoutBits.Superblock);
        Assert.Equal(plan.Members[1].Bitmap, withoutBits.Bitmap);
        Assert.True(withoutBits.BitmapBits.IsEmpty);
        Assert.Throws<InvalidOperationException>(() => withoutBits.IsChunkDirty(0));
    }

    private static (List<MemberSuperblock> Superblocks, List<string> Blank, List<MdLeftOutMember> Unusable) Inputs(Reading reading) => reading switch
    {
        { Invalid: { } e } => ([], [], [MdLeftOutMember.InvalidMetadata("/dev/replica1", e)]),
        { Metadata: { } m } => ([MemberSuperblock.From("/dev/replica1", m.Superblock)], [], []),
        _ => ([], ["/dev/replica1"], []),
    };

    private static MdLeftOutReason Expected(HostileOutcome outcome) => outcome switch
    {
        HostileOutcome.NoSuperblock => MdLeftOutReason.NoSuperblock,
        HostileOutcome.OtherArray => MdLeftOutReason.OtherArray,
        _ => MdLeftOutReason.InvalidMetadata,
    };

    private static ReplicaSuperblockFacts Facts(Superblock1 sb) =>
        new(sb.SetUuid.ToString(), sb.Events, (int)sb.DevNumber, sb.DevRoles);
}
