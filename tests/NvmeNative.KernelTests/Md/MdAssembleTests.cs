using NvmeNative.Md;

namespace NvmeNative.KernelTests.Md;

/// <summary>Assembling: arrays mdadm made, stale members, adoption of an array the host already runs.</summary>
[Collection(MdLab.Collection)]
public sealed class MdAssembleTests
{
    [Theory]
    [InlineData(MemberKind.Loop)]
    [InlineData(MemberKind.NvmeTcp)]
    public void An_array_mdadm_created_is_assembled_by_us_with_its_data_name_and_link(MemberKind kind)
    {
        using var source = new MemberSource(kind);
        var a = source.Create(64 << 20);
        var b = source.Create(64 << 20);
        var name = MdLab.UniqueName("asm");
        var created = MdLab.MdadmCreate(name, a.Device, b.Device);
        try
        {
            byte[] data = MdLab.Pattern(2, 3 << 20);
            MdLab.WriteDevice("/dev/" + created.Value, 5 << 20, data);
            var uuid = MdUuid.Parse(MdLab.DetailExport("/dev/" + created.Value)["MD_UUID"]);
            Tools.Check("mdadm", "--stop", "/dev/" + created.Value);
            if (File.Exists("/dev/md/" + name.Value) || new FileInfo("/dev/md/" + name.Value).LinkTarget is not null)
                File.Delete("/dev/md/" + name.Value); // no udev in the lab: mdadm may leave its link behind

            var arrays = new MdArrays();
            var ct = TestContext.Current.CancellationToken;
            var result = arrays.Assemble(new MdAssembleRequest([a.Device, b.Device]), ct);
            try
            {
                Assert.False(result.Adopted);
                Assert.False(result.Degraded);
                Assert.Empty(result.LeftOut);
                Assert.Equal(uuid, result.Array.Uuid);
                Assert.Equal(name, result.Array.Name);
                Assert.Equal("../" + result.Array.Device.Value, new FileInfo("/dev/md/" + name.Value).LinkTarget);
                Assert.Equal(data, MdLab.ReadDevice(result.Array.Node, 5 << 20, data.Length));
                string detail = Tools.Check("mdadm", "--detail", result.Array.Node);
                Assert.Equal("2", Examine.Field(detail, "Active Devices"));
                Assert.Equal(name.Value, MdLab.DetailExport(result.Array.Node)["MD_DEVNAME"]);
            }
            finally
            {
                arrays.Stop(result.Array, ct);
            }
        }
        finally
        {
            MdLab.StopQuietly(created); // if a step failed before our assemble took over (after it, the same name is ours to stop too)
        }
    }

    [Theory]
    [InlineData(MemberKind.Loop)]
    [InlineData(MemberKind.NvmeTcp)]
    public void A_stale_member_is_refused_and_then_readded_through_the_bitmap_so_both_members_match(MemberKind kind)
    {
        using var source = new MemberSource(kind);
        var a = source.Create(64 << 20);
        var b = source.Create(64 << 20);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("stale"), [a.Device, b.Device]), ct);
        MdArray? assembled = null;
        try
        {
            MdLab.WriteDevice(array.Node, 0, MdLab.Pattern(3, 2 << 20));
            arrays.FailMember(array.Device, b.Device);
            arrays.RemoveMember(array.Device, b.Device, cancellationToken: ct);
            for (int i = 0; i < 3; i++) // each write makes md mark the array dirty and clean again: events move on
            {
                MdLab.WriteDevice(array.Node, (8L + i) << 20, MdLab.Pattern(10 + i, 1 << 20));
                arrays.WaitFor(array.Device, s => s.RunState == MdRunState.Clean, "clean after the write", TimeSpan.FromSeconds(30), ct);
            }
            Assert.True(arrays.Stop(array, ct));
            Assert.True(Examine.Events(b.Device) + 1 < Examine.Events(a.Device), "the failed member's events lag");

            var refused = Assert.Throws<MdAssembleRefusedException>(() => arrays.Assemble(new MdAssembleRequest([a.Device, b.Device]), ct));
            Assert.Equal((b.Device, MdLeftOutReason.Stale), (refused.LeftOut.Single().Member, refused.LeftOut.Single().Reason));
            Assert.DoesNotContain(Directory.GetFileSystemEntries("/sys/block", "md*"), d => File.Exists(Path.Combine(d, "md/dev-" + Path.GetFileName(a.Device), "state")));

            var result = arrays.Assemble(new MdAssembleRequest([a.Device, b.Device]) { AllowDegraded = true }, ct);
            assembled = result.Array;
            Assert.True(result.Degraded);
            Assert.Equal((b.Device, MdLeftOutReason.Stale), (result.LeftOut.Single().Member, result.LeftOut.Single().Reason));
            Assert.Equal(1, arrays.GetState(assembled.Device)!.Degraded);

            arrays.ReAddMember(assembled.Device, b.Device);
            var synced = arrays.WaitForInSync(assembled.Device, TimeSpan.FromMinutes(5), ct);
            Assert.Equal(2, synced.Members.Count(m => m.IsActive));
            Assert.True(arrays.Stop(assembled, ct));

            long offset = Examine.DataOffsetBytes(a.Device);
            long length = array.SizeBytes;
            MdLab.AssertSameData([(a.Device, offset), (b.Device, offset)], length);
        }
        finally
        {
            MdLab.StopQuietly(assembled?.Device);
            MdLab.StopQuietly(array.Device);
        }
    }

    [Fact]
    public void An_array_the_host_already_runs_under_another_name_is_adopted()
    {
        MdLab.RequireMd();
        using var a = LoopDevice.Create(32 << 20);
        using var b = LoopDevice.Create(32 << 20);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var name = MdLab.UniqueName("adopt");
        var array = arrays.Create(new MdCreateRequest(name, [a.Device, b.Device]), ct);
        arrays.Stop(array, ct);
        Tools.Check("mdadm", "--assemble", "/dev/md50", a.Device, b.Device); // as udev's incremental assembly might
        var host = MdDeviceName.Parse("md50");
        try
        {
            var result = arrays.Assemble(new MdAssembleRequest([a.Device, b.Device]), ct);
            Assert.True(result.Adopted);
            Assert.Equal(host, result.Array.Device);
            Assert.Equal(array.Uuid, result.Array.Uuid);
            Assert.Equal("../md50", new FileInfo("/dev/md/" + name.Value).LinkTarget);
            Assert.True(arrays.Stop(result.Array, ct));
        }
        finally
        {
            MdLab.StopQuietly(host);
        }
    }

    [Theory]
    [InlineData(MemberKind.Loop)]
    [InlineData(MemberKind.NvmeTcp)]
    public void A_new_member_replaces_a_failed_one_and_is_rebuilt_completely(MemberKind kind)
    {
        using var source = new MemberSource(kind);
        var a = source.Create(64 << 20);
        var b = source.Create(64 << 20);
        var c = source.Create(64 << 20);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("add"), [a.Device, b.Device]), ct);
        try
        {
            MdLab.WriteDevice(array.Node, 3 << 20, MdLab.Pattern(4, 2 << 20));
            arrays.FailMember(array.Device, b.Device);
            arrays.RemoveMember(array.Device, b.Device, cancellationToken: ct);
            arrays.AddMember(array.Device, c.Device);
            var synced = arrays.WaitForInSync(array.Device, TimeSpan.FromMinutes(5), ct);
            var added = synced.Members.Single(m => m.KernelName == Path.GetFileName(c.Device));
            Assert.True(added.IsActive);
            Assert.True(added.Flags.HasFlag(MdMemberFlags.FailFast));
            Assert.True(arrays.Stop(array, ct));
            long offset = Examine.DataOffsetBytes(a.Device);
            Assert.Equal(offset, Examine.DataOffsetBytes(c.Device));
            MdLab.AssertSameData([(a.Device, offset), (c.Device, offset)], array.SizeBytes);
        }
        finally
        {
            MdLab.StopQuietly(array.Device);
        }
    }

    [Theory]
    [InlineData(MemberKind.Loop)]
    [InlineData(MemberKind.NvmeTcp)]
    public void Our_array_grows_after_its_members_grow(MemberKind kind)
    {
        using var source = new MemberSource(kind);
        var a = source.Create(64 << 20);
        var b = source.Create(64 << 20);
        var arrays = new MdArrays();
        var ct = TestContext.Current.CancellationToken;
        var array = arrays.Create(new MdCreateRequest(MdLab.UniqueName("grow"), [a.Device, b.Device]), ct);
        try
        {
            a.Resize(96 << 20);
            b.Resize(96 << 20);
            long size = arrays.Grow(array.Device);
            Assert.True(size >= array.SizeBytes + (30 << 20), $"{array.SizeBytes} -> {size}");
            arrays.WaitForInSync(array.Device, TimeSpan.FromMinutes(5), ct);
            Assert.Contains($"Array Size : {size / 1024} ", Tools.Check("mdadm", "--detail", array.Node));
        }
        finally
        {
            arrays.Stop(array, ct);
        }
    }
}
