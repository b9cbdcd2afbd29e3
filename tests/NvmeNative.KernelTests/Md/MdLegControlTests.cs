using NvmeNative.Errors;
using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>Fail / remove / state / wait / grow on arrays mdadm built (our own create is tested in MdCreateTests).</summary>
[Collection(MdLab.Collection)]
public sealed class MdLegControlTests
{
    [Fact]
    public void Fail_and_remove_a_member_then_mdadm_readds_it_and_we_wait_for_the_bitmap_recovery()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(64 << 20);
        using var b = LoopDevice.Create(64 << 20);
        var md = MdLab.MdadmCreate(MdLab.UniqueName("leg"), a, b);
        try
        {
            var arrays = new MdArrays();
            var ct = TestContext.Current.CancellationToken;
            var info = arrays.GetInfo(md)!;
            Assert.Equal((1, 2, 1, 2, 2, 0), (info.MajorVersion, info.MinorVersion, info.Level, info.RaidDisks, info.ActiveDisks, info.FailedDisks));
            Assert.True(info.HasInternalBitmap);
            Assert.All(info.Disks, d => Assert.True(d.State.HasFlag(MdDiskStates.FailFast | MdDiskStates.Active | MdDiskStates.Sync)));

            arrays.FailMember(md, b.Device);
            var failed = arrays.WaitFor(md, s => s.Degraded == 1, "degraded 1", TimeSpan.FromSeconds(60), ct);
            Assert.True(failed.Members.Single(m => m.KernelName == Path.GetFileName(b.Device)).Flags.HasFlag(MdMemberFlags.Faulty));
            string degraded = Tools.Check("mdadm", "--detail", "/dev/" + md.Value);
            Assert.Contains("degraded", degraded);
            Assert.Contains("Failed Devices : 1", degraded);

            // The last working leg cannot be failed.
            var last = Assert.Throws<InvalidInputException>(() => arrays.FailMember(md, a.Device));
            Assert.Equal(Errno.EBUSY, last.Errno);
            Assert.Equal(a.Device, last.Path);

            arrays.RemoveMember(md, b.Device, cancellationToken: ct);
            Assert.DoesNotContain(arrays.GetState(md)!.Members, m => m.KernelName == Path.GetFileName(b.Device));

            MdLab.WriteDevice("/dev/" + md.Value, 1 << 20, MdLab.Pattern(7, 1 << 20)); // dirty some bitmap chunks
            Tools.Check("mdadm", "--re-add", "/dev/" + md.Value, b.Device);
            var synced = arrays.WaitForInSync(md, TimeSpan.FromMinutes(5), ct);
            Assert.Equal(2, synced.Members.Count(m => m.IsActive));
            string detail = Tools.Check("mdadm", "--detail", "/dev/" + md.Value);
            Assert.DoesNotContain("degraded", detail);
            Assert.Contains("Active Devices : 2", detail);
        }
        finally
        {
            MdLab.StopQuietly(md);
        }
    }

    [Fact]
    public void Grow_after_enlarging_the_members_returns_the_new_size_and_mdadm_agrees()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(64 << 20);
        using var b = LoopDevice.Create(64 << 20);
        var md = MdLab.MdadmCreate(MdLab.UniqueName("grow"), a, b);
        try
        {
            var arrays = new MdArrays();
            long before = long.Parse(File.ReadAllText($"/sys/block/{md.Value}/size").Trim()) * 512;
            a.Resize(128 << 20);
            b.Resize(128 << 20);
            long after = arrays.Grow(md);
            Assert.True(after > before + (32 << 20), $"grew from {before} to {after}");
            Assert.Equal(after, long.Parse(Tools.Check("blockdev", "--getsize64", "/dev/" + md.Value).Trim()));
            arrays.WaitForInSync(md, TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
            Assert.Contains($"Array Size : {after / 1024} ", Tools.Check("mdadm", "--detail", "/dev/" + md.Value));
        }
        finally
        {
            MdLab.StopQuietly(md);
        }
    }

    [Fact]
    public void A_wait_that_cannot_be_met_times_out_naming_what_it_saw()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(32 << 20);
        using var b = LoopDevice.Create(32 << 20);
        var md = MdLab.MdadmCreate(MdLab.UniqueName("wait"), a, b);
        try
        {
            var e = Assert.Throws<NvmeNativeTimeoutException>(() =>
                new MdArrays().WaitFor(md, s => s.Degraded == 2, "both legs lost", TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
            Assert.Contains("both legs lost", e.Message);
            Assert.Contains("degraded=0", e.Message);
        }
        finally
        {
            MdLab.StopQuietly(md);
        }
    }
}
