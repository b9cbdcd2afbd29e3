using System.Globalization;
using NvmeNative.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.KernelTests.Target;
using NvmeNative.Md;
using NvmeNative.ReplicaState;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Replicated volumes (<c>volume_replicas</c>) against two real NVMe/TCP loopback targets, one per replica: the
/// first attach creates the md RAID1 that mdadm recognises, later attaches assemble it with the data intact, a
/// replica whose target is down leaves the volume up degraded and is re-added through the bitmap when it returns,
/// a new volume missing a replica is refused and leaves nothing, a detach cleans what a detach killed after STOP_ARRAY
/// left, extend grows the array. mdadm is the oracle.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class ReplicatedKernelTests
{
    private const long Size = ReplicatedTestVolume.Size;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_first_attach_creates_an_array_mdadm_recognises_and_the_next_assembles_it_with_the_data()
    {
        using var volume = new ReplicatedTestVolume("rep");
        var connector = new NvmeOfConnector();
        byte[] data = MdLab.Pattern(7, 2 << 20);

        var first = connector.Connect(volume.Properties, Ct);
        Assert.Equal(volume.Link, first.Path);
        var replication = first.Replication!;
        Assert.Equal(MdAttachAction.Created, replication.Action);
        Assert.False(replication.Degraded);
        Assert.All(replication.Replicas, r => Assert.NotNull(r.Device));
        var detail = MdLab.DetailExport(first.Path);
        Assert.Equal("raid1", detail["MD_LEVEL"]);
        Assert.Equal("2", detail["MD_DEVICES"]);
        string text = Tools.Check("mdadm", "--detail", first.Path);
        Assert.Equal("clean", Examine.Field(text, "State"));
        Assert.Equal("2", Examine.Field(text, "Active Devices"));
        foreach (var leg in replication.Replicas)
        {
            string examine = Examine.Of(leg.Device!);
            Assert.Equal("1.2", Examine.Field(examine, "Version"));
            Assert.Equal("any:" + volume.Alias, Examine.Field(examine, "Name"));
            Assert.Contains("Internal Bitmap", examine);
            Assert.Contains("failfast", Examine.Field(examine, "Flags"));
        }
        Assert.Equal([volume.Link], connector.GetVolumePaths(volume.Properties, cancellationToken: TestContext.Current.CancellationToken));
        MdLab.WriteDevice(first.Path, 1 << 20, data);

        var detached = connector.Disconnect(volume.Properties, cancellationToken: Ct);
        Assert.Equal(2, detached.DeletedControllers.Count);
        volume.AssertGone();
        Assert.Empty(connector.GetVolumePaths(volume.Properties, cancellationToken: TestContext.Current.CancellationToken));

        var second = connector.Connect(volume.Properties, Ct);
        Assert.Equal(MdAttachAction.Assembled, second.Replication!.Action);
        Assert.Equal(data, MdLab.ReadDevice(second.Path, 1 << 20, data.Length));
        // Attaching again while it runs adopts the running array: same device, nothing new.
        var again = connector.Connect(volume.Properties, Ct);
        Assert.Equal(MdAttachAction.Adopted, again.Replication!.Action);
        Assert.Empty(again.CreatedControllers);
        Assert.Equal(File.ResolveLinkTarget(second.Path, true)!.FullName, File.ResolveLinkTarget(again.Path, true)!.FullName);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
    }

    [Fact]
    public void A_replica_down_leaves_the_volume_up_degraded_and_when_it_returns_it_is_readded_through_the_bitmap()
    {
        using var volume = new ReplicatedTestVolume("heal");
        var connector = new NvmeOfConnector();
        var arrays = new MdArrays();
        connector.Connect(volume.Properties, Ct);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);

        volume.B.Port.Unlink(volume.B.Subsystem); // replica B's target is unreachable
        var degraded = connector.Connect(volume.Properties, Ct);
        var replication = degraded.Replication!;
        Assert.Equal(MdAttachAction.Assembled, replication.Action);
        Assert.True(replication.Degraded);
        Assert.Null(replication.Replicas[1].Device);
        Assert.NotNull(replication.Replicas[1].Error);
        Assert.Equal("1", Examine.Field(Tools.Check("mdadm", "--detail", degraded.Path), "Active Devices"));
        byte[] written = MdLab.Pattern(11, 3 << 20);
        MdLab.WriteDevice(degraded.Path, 5 << 20, written);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();

        volume.B.Port.Link(volume.B.Subsystem); // it is back
        var healed = connector.Connect(volume.Properties, Ct);
        replication = healed.Replication!;
        string legB = replication.Replicas[1].Device!;
        // The record says B failed while A went on: A is the only source, B comes back through the bitmap.
        Assert.Equal(StartRuleKind.RecordSaysCurrent, replication.Start!.Rule);
        Assert.Equal([0], replication.Start.Sources);
        var left = Assert.Single(replication.Start.LeftOut);
        Assert.Equal(1, left.Index);
        Assert.True(left.ReAdd, left.ToString());
        Console.Error.WriteLine($"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION")}] returning replica left out as {left.Reason} ({left.Detail}), re-added");
        Assert.Equal([legB], replication.Healing);
        var md = MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget(healed.Path, true)!.FullName));
        var synced = arrays.WaitForInSync(md, TimeSpan.FromMinutes(5), Ct);
        Assert.Equal(2, synced.Members.Count(m => m.IsActive));
        Assert.Equal(written, MdLab.ReadDevice(healed.Path, 5 << 20, written.Length));
        string legA = replication.Replicas[0].Device!;
        long offset = Examine.DataOffsetBytes(legA);
        MdLab.FlushBuffers(legA);
        MdLab.FlushBuffers(legB);
        Assert.Equal(written, MdLab.ReadDevice(legB, offset + (5 << 20), written.Length));
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
    }

    [Fact]
    public void A_split_brain_is_refused_unless_overridden_and_then_the_other_side_is_left_out_and_never_overwritten()
    {
        using var volume = new ReplicatedTestVolume("split");
        var connector = new NvmeOfConnector();
        connector.Connect(volume.Properties, Ct);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        byte[][] written = [MdLab.Pattern(21, 1 << 20), MdLab.Pattern(22, 1 << 20)];

        // Each replica runs alone once and takes its own writes: the mirrors diverge. The record knows B failed while A
        // ran, so B alone is refused; an operator forces it (allow_stale_start), which makes the split brain.
        volume.B.Port.Unlink(volume.B.Subsystem);
        var onlyA = connector.Connect(volume.Properties, Ct);
        MdLab.WriteDevice(onlyA.Path, 5 << 20, written[0]);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.B.Port.Link(volume.B.Subsystem);
        volume.A.Port.Unlink(volume.A.Subsystem);
        var refused = Assert.Throws<AttachFailedException>(() => connector.Connect(volume.Properties, Ct));
        var stale = Assert.IsType<ReplicaStartRefusedException>(refused.InnerException);
        Assert.Contains(stale.LeftOut, l => l.Index == 1 && l.Reason == ReplicaLeftOutReason.MarkedFailedInRecord);
        volume.AssertGone();
        var onlyB = connector.Connect(volume.Properties with { AllowStaleStart = true }, Ct);
        Assert.Equal(StartRuleKind.Override, onlyB.Replication!.Start!.Rule);
        MdLab.WriteDevice(onlyB.Path, 5 << 20, written[1]);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.A.Port.Link(volume.A.Subsystem);

        // Both sides back: a split brain, refused naming both sides, nothing left behind.
        var splitRefused = Assert.Throws<AttachFailedException>(() => connector.Connect(volume.Properties, Ct));
        var split = Assert.IsType<ReplicaStartRefusedException>(splitRefused.InnerException);
        Console.Error.WriteLine($"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION")}] split brain refused: {split.Message}");
        Assert.Contains(split.LeftOut, l => l.Reason == ReplicaLeftOutReason.SplitBrain);
        volume.AssertGone();

        // Overridden: the array starts from the freshest side; the other side is left out, its writes untouched.
        var both = connector.Connect(volume.Properties with { AllowStaleStart = true }, Ct);
        var replication = both.Replication!;
        Assert.Empty(replication.Healing);
        Assert.True(replication.Degraded);
        var left = Assert.Single(replication.Start!.LeftOut);
        Assert.False(left.ReAdd);
        string leftDevice = replication.Replicas[left.Index].Device!;
        Console.Error.WriteLine($"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION")}] split brain overridden: replica {left.Index} left out: {left.Detail}");
        // The array serves the freshest side's data; the other side keeps its own writes untouched.
        Assert.Equal(written[1 - left.Index], MdLab.ReadDevice(both.Path, 5 << 20, written[0].Length));
        MdLab.FlushBuffers(leftDevice);
        Assert.Equal(written[left.Index], MdLab.ReadDevice(leftDevice, Examine.DataOffsetBytes(leftDevice) + (5 << 20), written[0].Length));
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
    }

    [Fact]
    public void A_new_volume_whose_replica_holds_data_without_md_metadata_is_refused_and_the_data_kept()
    {
        using var volume = new ReplicatedTestVolume("data");
        byte[] data = MdLab.Pattern(31, 64 << 10);
        using (var file = new FileStream(volume.A.Namespace.DevicePath, FileMode.Open, FileAccess.Write))
            file.Write(data);
        var connector = new NvmeOfConnector();

        var e = Assert.Throws<AttachFailedException>(() => connector.Connect(volume.Properties, Ct));

        Assert.Contains("holds data but no md metadata", e.Message);
        volume.AssertGone();
        using var check = new FileStream(volume.A.Namespace.DevicePath, FileMode.Open, FileAccess.Read);
        byte[] back = new byte[data.Length];
        check.ReadExactly(back);
        Assert.Equal(data, back);
    }

    [Fact]
    public void A_new_volume_with_a_replica_missing_is_refused_and_leaves_nothing()
    {
        using var volume = new ReplicatedTestVolume("new");
        volume.B.Port.Unlink(volume.B.Subsystem);
        var connector = new NvmeOfConnector();

        var e = Assert.Throws<AttachFailedException>(() => connector.Connect(volume.Properties, Ct));

        // The start rule refuses first: with no md metadata anywhere and 1 of 2 replicas reached, the missing one may hold the data.
        Assert.IsType<ReplicaStartRefusedException>(e.InnerException);
        Assert.Contains("only 1 of 2 replicas are reachable", e.Message);
        Assert.Contains(e.RolledBack, r => r.StartsWith("deleted controller", StringComparison.Ordinal));
        volume.AssertGone();
        // Nothing was written to the replica that was reachable: its backing file carries no md superblock.
        Assert.NotEqual(0, Tools.Run("mdadm", "--examine", volume.A.Namespace.DevicePath).ExitCode);
    }

    [Fact]
    public void A_detach_after_one_killed_just_after_STOP_ARRAY_removes_the_link_and_map_entry_the_stopped_array_left()
    {
        using var volume = new ReplicatedTestVolume("stopkill");
        var connector = new NvmeOfConnector();
        var attached = connector.Connect(volume.Properties, Ct);
        var md = attached.Replication!.Array!.Device;
        // What a detach killed as its STOP_ARRAY returned leaves: the array stopped, its link and map entry still there.
        var paths = new MdPaths(NvmeNative.Kernel.KernelPaths.Host);
        using (var control = MdControl.TryOpen(paths, md, exclusive: true, out int errno))
        {
            Assert.True(control is not null, $"open {md}: errno {errno}");
            Assert.Equal(0, control.TryStopArray());
        }
        Assert.Contains(File.ReadAllLines("/run/mdadm/map"), l => l.EndsWith(volume.Link, StringComparison.Ordinal));
        Assert.NotNull(new FileInfo(volume.Link).LinkTarget);

        connector.Disconnect(volume.Properties, cancellationToken: Ct);

        volume.AssertGone();
        HostLeftovers.AssertNoTraceOfAlias(volume.Alias);
    }

    [Fact]
    public void Extend_grows_every_replica_and_then_the_array()
    {
        using var volume = new ReplicatedTestVolume("grow");
        var connector = new NvmeOfConnector();
        var attached = connector.Connect(volume.Properties, Ct);
        try
        {
            long before = long.Parse(Tools.Check("blockdev", "--getsize64", attached.Path).Trim(), CultureInfo.InvariantCulture);
            volume.A.Namespace.Resize(2 * Size);
            volume.B.Namespace.Resize(2 * Size);

            long size = connector.Extend(volume.Properties, Ct);

            Assert.True(size > before + Size / 2, $"{before} -> {size}");
            Assert.Equal(size, long.Parse(Tools.Check("blockdev", "--getsize64", attached.Path).Trim(), CultureInfo.InvariantCulture));
            Assert.Contains($"Array Size : {size / 1024} ", Tools.Check("mdadm", "--detail", attached.Path));
        }
        finally
        {
            connector.Disconnect(volume.Properties, cancellationToken: Ct);
        }
        volume.AssertGone();
    }
}
