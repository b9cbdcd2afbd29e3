using System.Diagnostics;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.KernelTests.Target;
using NvmeNative.Md;
using NvmeNative.Target;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// A lost replica never stalls the volume (issue 11): 2, 3 and 4 replica volumes under continuous checksummed O_DIRECT
/// writes through /dev/md/ALIAS lose one replica by each of the four means (port removed, namespace disabled,
/// controller deleted on the host, address gone), get it back and re-add it: no write fails while a replica is
/// healthy, no write waits longer than <see cref="WriteBound"/> (the longest is printed), every block reads back with
/// its last checksum and the legs are identical. Detach with a dead leg, all replicas lost, a single volume whose only
/// controller is reconnecting, and extend with a replica not grown or missing all finish in bounded time and say what
/// happened. On a kernel without <c>fast_io_fail_tmo</c> (5.10) a port or address loss would stall the writes for as
/// long as the lost replica's controller reconnects: there the default replica legs are refused before anything is
/// connected, naming the option, and that refusal is what these tests assert (tests/lab/README.md, per kernel).
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class ReplicaLossKernelTests
{
    /// <summary>
    /// The bound on any one write while a replica is healthy: the issue's "within 5 s", doubled under the lab's QEMU
    /// software emulation, where the kernel's keep-alive and error paths run many times slower and a silent target
    /// (address gone) on 6.1 measured up to 4.9 s with other VMs competing for the CPU. The measured figure is printed
    /// and reported in the README; on hardware it is far below 5 s.
    /// </summary>
    private static readonly TimeSpan WriteBound = TimeSpan.FromSeconds(
        Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") is null ? 5 : 10);

    // Bounds for things that take a second or two natively; TCG runs them far slower.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private const int Blocks = 1024; // the writer's region: 4 MiB

    private static readonly ReplicaLoss[] Means =
        [ReplicaLoss.PortRemoved, ReplicaLoss.NamespaceDisabled, ReplicaLoss.ControllerDeleted, ReplicaLoss.AddressGone];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Kernel => Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") ?? Environment.OSVersion.VersionString;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Writes_go_on_through_each_way_of_losing_a_replica_and_every_block_reads_back_after_the_readd(int replicas)
    {
        using var volume = new ReplicaLossVolume($"loss{replicas}", replicas);
        if (RefusedWithoutFastIoFail(volume))
            return;
        var connector = new NvmeOfConnector();
        var arrays = new MdArrays();
        var attached = connector.Connect(volume.Properties, Ct);
        Assert.Equal(MdAttachAction.Created, attached.Replication!.Action);
        foreach (string controller in attached.CreatedControllers) // the replica legs fail I/O at once when no path is live
            Assert.Equal("0", File.ReadAllText($"/sys/class/nvme/{controller}/fast_io_fail_tmo").Trim());
        var md = volume.Md;
        var figures = new List<string>();
        try
        {
            using var writer = new ChecksummedWriter(attached.Path, Blocks);
            writer.WaitForProgress(20, Deadline);
            writer.TakePhaseLongest();
            for (int m = 0; m < Means.Length; m++)
            {
                var how = Means[m];
                int index = m % replicas;
                string lost = volume.Disk(index)!;
                var clock = Stopwatch.StartNew();
                volume.Lose(index, how);
                arrays.WaitFor(md, s => !s.Members.Any(x => x.KernelName == lost && x.IsActive), $"{lost} out of the array ({how})", Deadline, Ct);
                var dropped = clock.Elapsed;
                writer.WaitForProgress(20, Deadline); // writes go on over the others
                var longest = writer.TakePhaseLongest();
                figures.Add($"{how} of replica {index}: md dropped it after {dropped.TotalMilliseconds:0} ms, longest write {longest.TotalMilliseconds:0} ms");

                string disk = volume.Restore(index, how);
                volume.ReAdd(arrays, md, lost, disk, Ct);
                writer.WaitForProgress(20, Deadline);
                Assert.Empty(writer.Errors);
            }
            writer.Stop();
            Console.Error.WriteLine($"[{Kernel}] {replicas} replicas: {writer.Writes} writes, longest {writer.Longest.TotalMilliseconds:0} ms; " +
                string.Join("; ", figures));
            Assert.Empty(writer.Errors);
            Assert.True(writer.Longest < WriteBound, $"the longest write took {writer.Longest}; {string.Join("; ", figures)}");
            writer.Verify(attached.Path);
            volume.AssertLegsIdentical(arrays, md);
            Assert.True(arrays.GetState(md)!.Members.Count(x => x.IsActive) == replicas);
        }
        finally
        {
            connector.Disconnect(volume.Properties, force: true, ignoreErrors: true, cancellationToken: Ct);
        }
        volume.AssertGone();
    }

    [Fact]
    public void Detach_with_a_dead_leg_is_bounded_and_when_every_replica_is_lost_io_fails_with_an_error_and_a_forced_detach_is_bounded()
    {
        using var volume = new ReplicaLossVolume("dead", 2);
        if (RefusedWithoutFastIoFail(volume))
            return;
        var connector = new NvmeOfConnector();
        var arrays = new MdArrays();
        var attached = connector.Connect(volume.Properties, Ct);
        var md = volume.Md;
        using (var writer = new ChecksummedWriter(attached.Path, Blocks))
        {
            writer.WaitForProgress(20, Deadline);
            string lost = volume.Disk(1)!;
            volume.Lose(1, ReplicaLoss.PortRemoved);
            arrays.WaitFor(md, s => !s.Members.Any(x => x.KernelName == lost && x.IsActive), $"{lost} out of the array", Deadline, Ct);
            writer.WaitForProgress(20, Deadline);
            writer.Stop();
            Assert.Empty(writer.Errors);
        }
        // Replica 1's controller reconnects for ever; the detach takes it out first and never waits on it.
        Assert.False(volume.IsLive(1));
        var clock = Stopwatch.StartNew();
        var detached = connector.Disconnect(volume.Properties, cancellationToken: Ct);
        var detachTime = clock.Elapsed;
        Assert.Equal(2, detached.DeletedControllers.Count);
        volume.AssertGone();
        Assert.True(detachTime < Deadline, $"detach with a dead leg took {detachTime}");

        // Back, the volume assembles from replica 0 and replica 1 is re-added; then both are lost.
        volume.Replicas[1].Port.Link(volume.Replicas[1].Subsystem); // back on the target; the attach connects it
        attached = connector.Connect(volume.Properties, Ct);
        md = volume.Md;
        arrays.WaitForInSync(md, TimeSpan.FromMinutes(5), Ct);
        TimeSpan failedAfter;
        using (var writer = new ChecksummedWriter(attached.Path, Blocks))
        {
            writer.WaitForProgress(20, Deadline);
            volume.Lose(0, ReplicaLoss.PortRemoved);
            volume.Lose(1, ReplicaLoss.PortRemoved);
            var lostAt = writer.Now;
            SysfsWait.Until(() => writer.Errors.Count > 0, Deadline, "a write error with every replica lost", () => $"{writer.Writes} writes");
            failedAfter = writer.Errors[0].At - lostAt;
            writer.Stop();
            Console.Error.WriteLine($"[{Kernel}] every replica lost: the first write failed after {failedAfter.TotalMilliseconds:0} ms ({writer.Errors[0].Error})");
        }
        clock.Restart();
        Assert.Throws<NvmeNativeException>(() => connector.Disconnect(volume.Properties, cancellationToken: Ct)); // refused: nothing can be flushed
        var forced = connector.Disconnect(volume.Properties, force: true, ignoreErrors: true, cancellationToken: Ct);
        var forcedTime = clock.Elapsed;
        Console.Error.WriteLine($"[{Kernel}] detach with a dead leg {detachTime.TotalMilliseconds:0} ms; forced detach with every leg dead {forcedTime.TotalMilliseconds:0} ms " +
            $"(tolerated: {string.Join("; ", forced.Errors.Select(e => e.Message))})");
        volume.AssertGone();
        Assert.True(forcedTime < Deadline, $"forced detach took {forcedTime}");
        Assert.True(failedAfter < Deadline, $"I/O with every replica lost failed only after {failedAfter}");
    }

    [Fact]
    public void A_single_volume_whose_only_controller_reconnects_is_refused_without_force_and_detached_in_bounded_time_with_it()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var target = new NvmetTarget();
        var export = target.CreateFileExport(8 << 20, new NamespaceOptions { Uuid = Guid.NewGuid() }, label: "single-dead");
        var properties = ConnectionProperties.Parse($$"""
            {"target_nqn": "{{export.Subsystem.Nqn}}", "vol_uuid": "{{export.Namespace.Uuid}}", "portals": [["{{export.Port.TrAddr}}", {{export.Port.TrSvcId}}, "tcp"]]}
            """);
        var connector = new NvmeOfConnector();
        var attached = connector.Connect(properties, Ct);
        var controller = Assert.Single(attached.CreatedControllers);
        // os-brick's semantics: I/O waits while the controller reconnects (5.10 has no fast_io_fail_tmo: it always waits).
        string fastIoFail = $"/sys/class/nvme/{controller}/fast_io_fail_tmo";
        if (KernelFacts.HasFastIoFailTimeout)
            Assert.Equal("off", File.ReadAllText(fastIoFail).Trim());
        else
            Assert.False(File.Exists(fastIoFail), $"{fastIoFail} exists on {KernelFacts.Release}");
        export.Port.Unlink(export.Subsystem);
        SysfsWait.Until(() => File.ReadAllText($"/sys/class/nvme/{controller}/state").Trim() != "live", Deadline, $"{controller} leaving live",
            () => File.ReadAllText($"/sys/class/nvme/{controller}/state"));

        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<NvmeNativeException>(() => connector.Disconnect(properties, cancellationToken: Ct));
        Assert.Contains("no controller", refused.Message);
        Assert.True(File.Exists($"/sys/class/nvme/{controller}/state"), "a refused detach changed nothing");
        var forced = connector.Disconnect(properties, force: true, ignoreErrors: true, cancellationToken: Ct);
        var elapsed = clock.Elapsed;
        Console.Error.WriteLine($"[{Kernel}] single volume, only controller reconnecting: refused then forced detach in {elapsed.TotalMilliseconds:0} ms");
        Assert.Equal([controller], forced.DeletedControllers);
        Assert.True(elapsed < Deadline, $"took {elapsed}");
    }

    [Fact]
    public void Extend_of_a_four_replica_volume_grows_it_and_a_replica_not_grown_or_missing_is_named()
    {
        using var volume = new ReplicaLossVolume("grow4", 4);
        if (RefusedWithoutFastIoFail(volume))
            return;
        var connector = new NvmeOfConnector();
        var arrays = new MdArrays();
        var attached = connector.Connect(volume.Properties, Ct);
        var md = volume.Md;
        try
        {
            long before = BlockDevicesSize(attached.Path);
            foreach (var replica in volume.Replicas)
                replica.Namespace.Resize(2 * ReplicaLossVolume.Size);
            long grown = connector.Extend(volume.Properties, Ct);
            Assert.True(grown > before + ReplicaLossVolume.Size / 2, $"{before} -> {grown}");
            // md resyncs the grown region and refuses another grow meanwhile (EBUSY, "grow when it is done").
            arrays.WaitForInSync(md, TimeSpan.FromMinutes(2), Ct);

            // Replica 3 is not grown on its backend: the array stays at its size, and the extend says so.
            foreach (var replica in volume.Replicas.Take(3))
                replica.Namespace.Resize(3 * ReplicaLossVolume.Size);
            var notGrown = Assert.Throws<ReplicaExtendIncompleteException>(() => connector.Extend(volume.Properties, Ct));
            Assert.Equal(3, Assert.Single(notGrown.Replicas).Index);
            Assert.Equal(grown, notGrown.SizeBytes);

            // Replica 2 is lost: it cannot be extended; the others grow the array, and the extend names it.
            string lost = volume.Disk(2)!;
            volume.Lose(2, ReplicaLoss.PortRemoved);
            SysfsWait.Until(() => !volume.IsLive(2), Deadline, "replica 2's controller leaving live", () => "live");
            arrays.FailMember(md, "/dev/" + lost);
            volume.Replicas[3].Namespace.Resize(3 * ReplicaLossVolume.Size);
            var missing = Assert.Throws<ReplicaExtendIncompleteException>(() => connector.Extend(volume.Properties, Ct));
            Assert.Equal(2, Assert.Single(missing.Replicas).Index);
            Assert.True(missing.SizeBytes > grown, $"{grown} -> {missing.SizeBytes}");
            Assert.Equal(missing.SizeBytes, BlockDevicesSize(attached.Path));
            Console.Error.WriteLine($"[{Kernel}] extend of 4 replicas: {before} -> {grown}; not grown: {notGrown.Message}; missing: {missing.Message}");
        }
        finally
        {
            connector.Disconnect(volume.Properties, force: true, ignoreErrors: true, cancellationToken: Ct);
        }
        volume.AssertGone();
    }

    /// <summary>
    /// On a kernel without <c>fast_io_fail_tmo</c> (before 5.11), asserts that the replicated attach is refused before
    /// anything is connected, naming the option and the explicit way to accept os-brick's stalls, and returns true;
    /// elsewhere returns false (the test goes on).
    /// </summary>
    private static bool RefusedWithoutFastIoFail(ReplicaLossVolume volume)
    {
        if (KernelFacts.HasFastIoFailTimeout)
            return false;
        var e = Assert.Throws<NvmeNative.Fabrics.UnsupportedFabricsOptionException>(() => new NvmeOfConnector().Connect(volume.Properties, Ct));
        Console.Error.WriteLine($"[{Kernel}] replicated attach refused: {e.Message}");
        Assert.Equal("fast_io_fail_tmo", e.Token);
        Assert.Contains(KernelFacts.Release, e.Message);
        Assert.Contains("replica_fast_io_fail_tmo to -1", e.Message);
        Assert.Null(e.ErrnoValue); // refused before the kernel was asked
        volume.AssertGone();
        return true;
    }

    private static long BlockDevicesSize(string path) => NvmeNative.Kernel.BlockDevices.SizeBytes(path);
}
