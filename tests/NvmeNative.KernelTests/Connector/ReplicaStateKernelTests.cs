using System.Diagnostics;
using System.Text.Json;
using NvmeNative.Connector;
using NvmeNative.KernelTests.Md;
using NvmeNative.KernelTests.Target;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;
using NvmeNative.ReplicaState.Etcd;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Issue 10's proof: a stale replica is never served. Real NVMe/TCP replicas on nvmet, real md RAID1, real
/// replica-state stores (a file store per test, a real etcd shared by two "hosts": connectors whose properties carry
/// different <c>host_nqn</c>s, one of them the CLI in a process of its own). Replicas go stale the way the design
/// document describes: their namespaces vanish on the target while the array keeps writing, so md fails them
/// (and their own superblocks never learn it). mdadm (--detail, --examine of the target-side backing files) is the oracle.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class ReplicaStateKernelTests(EtcdLab etcd)
{
    private const long Offset = 1 << 20;
    private const int Chunk = 1 << 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Kernel => $"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION") ?? Environment.OSVersion.Version.ToString()}]";

    private static NvmeOfConnector Connector(IReplicaStateStore store) => new(new NvmeOfConnectorOptions { ReplicaStateStore = store });

    private static string NewHostNqn(string label) => $"nqn.2024-01.io.nvmenative.test:host-{label}-{Guid.NewGuid():N}";

    /// <summary>
    /// The start of the design document's scenario on a 4-replica volume: created, old data written, replicas 2 and 3
    /// lose their namespaces while writes go on (md fails them), the newest data written, detached.
    /// </summary>
    private static (byte[] Old, byte[] Newest, byte[] Later) RunWithTwoReplicasLost(ReplicaSetTestVolume volume, NvmeOfConnector connector)
    {
        var arrays = new MdArrays();
        byte[] old = MdLab.Pattern(41, Chunk), newest = MdLab.Pattern(42, Chunk), later = MdLab.Pattern(43, Chunk);
        var first = connector.Connect(volume.Properties, Ct);
        Assert.Equal(MdAttachAction.Created, first.Replication!.Action);
        Assert.Equal(StartRuleKind.NewVolume, first.Replication.Start!.Rule);
        MdLab.WriteDevice(first.Path, Offset, old);

        var state = volume.LoseWhileWriting(arrays, first.Path, Offset, newest, Ct, 2, 3);
        Assert.Equal(2, state.Degraded);
        MdLab.WriteDevice(first.Path, Offset + 2 * Chunk, later); // more writes after md failed them
        Assert.Equal("2", Examine.Field(Tools.Check("mdadm", "--detail", first.Path), "Active Devices"));

        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
        long fresh = volume.BackingEvents(0), stale = volume.BackingEvents(2);
        Console.Error.WriteLine($"{Kernel} two replicas lost while writing: fresh events {fresh} (array state {ArrayState(volume, 0)}), " +
            $"stale events {stale} (array state {ArrayState(volume, 2)})");
        Assert.True(stale < fresh, $"stale {stale} < fresh {fresh}");
        Assert.Equal(stale, volume.BackingEvents(3));
        Assert.Equal(fresh, volume.BackingEvents(1));
        return (old, newest, later);
    }

    private static string ArrayState(ReplicaSetTestVolume volume, int i) =>
        Examine.Field(volume.ExamineBacking(i), "Array State").Split(' ')[0];

    /// <summary>The attach is refused by the start rule (inside AttachFailedException), everything rolled back.</summary>
    private static ReplicaStartRefusedException AssertRefused(Func<AttachedVolume> attach, ReplicaSetTestVolume volume)
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<AttachFailedException>(() => attach());
        var refused = Assert.IsType<ReplicaStartRefusedException>(e.InnerException);
        Console.Error.WriteLine($"{Kernel} refused in {clock.Elapsed.TotalSeconds:0.0} s: {refused.Message}");
        Assert.Contains(e.RolledBack, r => r.StartsWith("deleted controller", StringComparison.Ordinal));
        Assert.Empty(e.RollbackFailures);
        Assert.False(refused.Decision.Allowed);
        volume.AssertGone();
        return refused;
    }

    private static void AssertLeftOut(StartDecision decision, int index, ReplicaLeftOutReason reason, bool reAdd)
    {
        var left = Assert.Single(decision.LeftOut, l => l.Index == index);
        Assert.True(left.Reason == reason, left.ToString());
        Assert.Equal(reAdd, left.ReAdd);
    }

    /// <summary>Waits until resync is done with <paramref name="members"/> active mirrors, then compares every leg's data region.</summary>
    private static void AssertLegsAgreeAfterResync(AttachedVolume attached, int members)
    {
        var arrays = new MdArrays();
        var md = MdDeviceName.Parse(Path.GetFileName(File.ResolveLinkTarget(attached.Path, true)!.FullName));
        var clock = Stopwatch.StartNew();
        var synced = arrays.WaitFor(md, s => s.SyncAction == MdSyncAction.Idle && s.Members.Count(m => m.IsActive) == members,
            $"{members} mirrors in sync", TimeSpan.FromMinutes(5), Ct);
        Console.Error.WriteLine($"{Kernel} {members} mirrors in sync after {clock.Elapsed.TotalSeconds:0.0} s (degraded {synced.Degraded})");
        Assert.Equal(members.ToString(), Examine.Field(Tools.Check("mdadm", "--detail", attached.Path), "Active Devices"));
        long length = synced.ComponentSizeKiB * 1024;
        var legs = attached.Replication!.Replicas.Where(r => r.Device is not null).Select(r => r.Device!).ToList();
        Assert.Equal(members, legs.Count);
        var regions = legs.Select(leg =>
        {
            MdLab.FlushBuffers(leg);
            return (leg, Examine.DataOffsetBytes(leg));
        }).ToList();
        MdLab.AssertSameData(regions, length);
    }

    private static void AssertServesNewest(string path, (byte[] Old, byte[] Newest, byte[] Later) data)
    {
        Assert.Equal(data.Newest, MdLab.ReadDevice(path, Offset, Chunk));
        Assert.Equal(data.Later, MdLab.ReadDevice(path, Offset + 2 * Chunk, Chunk));
    }

    [Fact]
    public void The_design_documents_scenario_is_refused_from_the_stale_replicas_and_starts_newest_when_the_fresh_ones_return()
    {
        using var volume = new ReplicaSetTestVolume("design", 4);
        using var state = new TestStateDirectory();
        var connector = Connector(state.Store);
        var data = RunWithTwoReplicasLost(volume, connector);
        long staleEvents = volume.BackingEvents(2);

        // After a reboot or a migration only the two lost replicas answer.
        volume.CutOff(0);
        volume.CutOff(1);
        volume.Replicas[2].Namespace.Enable();
        volume.Replicas[3].Namespace.Enable();
        var refused = AssertRefused(() => connector.Connect(volume.Properties, Ct), volume);
        AssertLeftOut(refused.Decision, 0, ReplicaLeftOutReason.Unreachable, reAdd: false);
        AssertLeftOut(refused.Decision, 1, ReplicaLeftOutReason.Unreachable, reAdd: false);
        AssertLeftOut(refused.Decision, 2, ReplicaLeftOutReason.MarkedFailedInRecord, reAdd: true);
        AssertLeftOut(refused.Decision, 3, ReplicaLeftOutReason.MarkedFailedInRecord, reAdd: true);
        Assert.Contains("replica 2", refused.Message);
        Assert.Contains("replica 3", refused.Message);
        // Nothing was written to the stale replicas.
        Assert.Equal(staleEvents, volume.BackingEvents(2));
        Assert.Equal(staleEvents, volume.BackingEvents(3));

        // All four answer: started from the fresh two, the stale two re-added.
        volume.Reconnect(0);
        volume.Reconnect(1);
        var clock = Stopwatch.StartNew();
        var attached = connector.Connect(volume.Properties, Ct);
        var replication = attached.Replication!;
        Console.Error.WriteLine($"{Kernel} all four back: attached in {clock.Elapsed.TotalSeconds:0.0} s: {replication.Start!.Message}");
        Assert.Equal(volume.Link, attached.Path);
        Assert.Equal(MdAttachAction.Assembled, replication.Action);
        Assert.Equal(StartRuleKind.RecordSaysCurrent, replication.Start.Rule);
        Assert.Equal([0, 1], replication.Start.Sources);
        Assert.Equal([2, 3], replication.Start.ReAdd);
        Assert.Equal(new[] { replication.Replicas[2].Device, replication.Replicas[3].Device }.Order(StringComparer.Ordinal),
            replication.Healing.Order(StringComparer.Ordinal));
        Assert.Null(replication.RecordWarning);
        AssertServesNewest(attached.Path, data);
        AssertLegsAgreeAfterResync(attached, 4);
        var legC = replication.Replicas[2].Device!;
        Assert.Equal(data.Newest, MdLab.ReadDevice(legC, Examine.DataOffsetBytes(legC) + Offset, Chunk));

        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
        var record = state.Store.Read(volume.Key, Ct)!.Record;
        Assert.Null(record.Owner);
        Assert.All(record.Replicas, r => Assert.Equal(ReplicaCondition.InSync, r.State));
        Assert.Equal((ulong)volume.BackingEvents(2), record.KnownGoodEvents);
    }

    [Fact]
    public void Three_of_four_reachable_start_from_the_one_fresh_replica_and_readd_the_two_stale_ones()
    {
        using var volume = new ReplicaSetTestVolume("three", 4);
        using var state = new TestStateDirectory();
        var connector = Connector(state.Store);
        var data = RunWithTwoReplicasLost(volume, connector);

        volume.CutOff(1);
        volume.Replicas[2].Namespace.Enable();
        volume.Replicas[3].Namespace.Enable();
        var attached = connector.Connect(volume.Properties, Ct);
        var replication = attached.Replication!;
        Console.Error.WriteLine($"{Kernel} one fresh and two stale: {replication.Start!.Message}");
        Assert.Equal(MdAttachAction.Assembled, replication.Action);
        Assert.Equal(StartRuleKind.RecordSaysCurrent, replication.Start.Rule);
        Assert.Equal([0], replication.Start.Sources);
        AssertLeftOut(replication.Start, 1, ReplicaLeftOutReason.Unreachable, reAdd: false);
        AssertLeftOut(replication.Start, 2, ReplicaLeftOutReason.MarkedFailedInRecord, reAdd: true);
        AssertLeftOut(replication.Start, 3, ReplicaLeftOutReason.MarkedFailedInRecord, reAdd: true);
        Assert.Equal(new[] { replication.Replicas[2].Device, replication.Replicas[3].Device }.Order(StringComparer.Ordinal),
            replication.Healing.Order(StringComparer.Ordinal));
        Assert.True(replication.Degraded);
        AssertServesNewest(attached.Path, data);
        AssertLegsAgreeAfterResync(attached, 3);

        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
        // The replica that was away is the one the record now holds failed; the re-added ones are current again.
        var record = state.Store.Read(volume.Key, Ct)!.Record;
        var conditions = volume.Key.Replicas.Select(r => record.EntryOf(r)!.State).ToList();
        Assert.Equal([ReplicaCondition.InSync, ReplicaCondition.Failed, ReplicaCondition.InSync, ReplicaCondition.InSync], conditions);
    }

    [Fact]
    public void Two_hosts_sharing_etcd_one_owner_at_a_time_and_the_stale_side_is_refused_on_the_other_host()
    {
        using var volume = new ReplicaSetTestVolume("hosts", 4);
        string uri = etcd.UniqueStoreUri();
        using var storeA = EtcdReplicaStateStore.FromUri(ReplicaStateStoreUri.Parse(uri));
        using var storeB = EtcdReplicaStateStore.FromUri(ReplicaStateStoreUri.Parse(uri));
        string hostA = NewHostNqn("a"), hostB = NewHostNqn("b");
        var a = Connector(storeA);
        var b = Connector(storeB);
        var propsA = volume.PropertiesFor(hostA);
        var propsB = volume.PropertiesFor(hostB);
        var arrays = new MdArrays();
        byte[] old = MdLab.Pattern(51, Chunk), newest = MdLab.Pattern(52, Chunk);

        var onA = a.Connect(propsA, Ct);
        Assert.Equal(MdAttachAction.Created, onA.Replication!.Action);
        AssertControllersBelongTo(volume, hostA);
        MdLab.WriteDevice(onA.Path, Offset, old);

        // Host B, while A holds it: refused before anything is connected, by the library and by the CLI.
        var owned = Assert.Throws<VolumeOwnedElsewhereException>(() => b.Connect(propsB, Ct));
        Assert.Equal(hostA, owned.Owner.HostNqn);
        var clock = Stopwatch.StartNew();
        var (exit, output, err) = CliProcess.Run(volume.JsonFor(hostB), "attach", "-", "--state-store", uri);
        Console.Error.WriteLine($"{Kernel} CLI attach as host B while A owns it: exit {exit} in {clock.Elapsed.TotalSeconds:0.0} s: {err.Trim()}");
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains(hostA, err);
        AssertNoControllersOf(volume, hostB);

        // A loses two replicas while writing, then detaches.
        volume.LoseWhileWriting(arrays, onA.Path, Offset, newest, Ct, 2, 3);
        a.Disconnect(propsA, cancellationToken: Ct);
        volume.AssertGone();
        var afterA = storeB.Read(volume.Key, Ct)!.Record;
        Assert.Null(afterA.Owner);
        Assert.Equal(ReplicaCondition.Failed, afterA.EntryOf(volume.Key.Replicas[2])!.State);
        Assert.Equal(ReplicaCondition.Failed, afterA.EntryOf(volume.Key.Replicas[3])!.State);

        // Host B reaches only the stale replicas: A's record in etcd refuses it.
        volume.CutOff(0);
        volume.CutOff(1);
        volume.Replicas[2].Namespace.Enable();
        volume.Replicas[3].Namespace.Enable();
        var refused = AssertRefused(() => b.Connect(propsB, Ct), volume);
        AssertLeftOut(refused.Decision, 2, ReplicaLeftOutReason.MarkedFailedInRecord, reAdd: true);
        AssertLeftOut(refused.Decision, 3, ReplicaLeftOutReason.MarkedFailedInRecord, reAdd: true);

        // Everything reachable: B takes the volume over A's detach, newest data, the stale ones re-added.
        volume.Reconnect(0);
        volume.Reconnect(1);
        var onB = b.Connect(propsB, Ct);
        var replication = onB.Replication!;
        Console.Error.WriteLine($"{Kernel} host B after A's detach: {replication.Start!.Message}");
        Assert.Equal(StartRuleKind.RecordSaysCurrent, replication.Start.Rule);
        Assert.Equal([0, 1], replication.Start.Sources);
        Assert.Equal(2, replication.Healing.Count);
        AssertControllersBelongTo(volume, hostB);
        Assert.Equal(newest, MdLab.ReadDevice(onB.Path, Offset, Chunk));
        Assert.Equal(hostB, storeA.Read(volume.Key, Ct)!.Record.Owner?.HostNqn);
        // Now A is the one refused, naming B.
        Assert.Equal(hostB, Assert.Throws<VolumeOwnedElsewhereException>(() => a.Connect(propsA, Ct)).Owner.HostNqn);
        AssertLegsAgreeAfterResync(onB, 4);

        b.Disconnect(propsB, cancellationToken: Ct);
        volume.AssertGone();
        var final = storeA.Read(volume.Key, Ct)!.Record;
        Assert.Null(final.Owner);
        Assert.All(final.Replicas, r => Assert.Equal(ReplicaCondition.InSync, r.State));
    }

    [Fact]
    public void A_host_that_crashed_holding_the_volume_is_taken_over_only_with_the_override()
    {
        using var volume = new ReplicaSetTestVolume("crash", 2);
        string uri = etcd.UniqueStoreUri();
        using var storeA = EtcdReplicaStateStore.FromUri(ReplicaStateStoreUri.Parse(uri));
        using var storeB = EtcdReplicaStateStore.FromUri(ReplicaStateStoreUri.Parse(uri));
        string hostA = NewHostNqn("a"), hostB = NewHostNqn("b");
        var a = Connector(storeA);
        var b = Connector(storeB);
        byte[] data = MdLab.Pattern(61, Chunk);

        var onA = a.Connect(volume.PropertiesFor(hostA), Ct);
        MdLab.WriteDevice(onA.Path, Offset, data);
        // Host A "crashes": its array and its controllers vanish without a detach; the record still names it.
        string md = "/dev/" + volume.RunningArray().Value;
        Tools.Check("mdadm", "--stop", md);
        Assert.Equal(2, volume.DeleteControllersOf(hostA));
        // mdadm --stop without udev leaves A's /dev/md/ALIAS link; host B, another machine, would never see A's /dev.
        if (new FileInfo(volume.Link).LinkTarget is not null)
            File.Delete(volume.Link);
        volume.AssertGone();
        Assert.Equal(hostA, storeB.Read(volume.Key, Ct)!.Record.Owner?.HostNqn);

        // Host B (the CLI, with the store from the environment): refused naming A, then with --takeover.
        var env = new Dictionary<string, string> { ["NVMENATIVE_STATE_STORE"] = uri };
        var clock = Stopwatch.StartNew();
        var (exit, output, err) = CliProcess.Run(volume.JsonFor(hostB), env, "attach", "-");
        Console.Error.WriteLine($"{Kernel} CLI attach as host B after A crashed: exit {exit} in {clock.Elapsed.TotalSeconds:0.0} s: {err.Trim()}");
        Assert.Equal(1, exit);
        Assert.Contains(hostA, err);
        Assert.Contains("allow_takeover", err);
        AssertNoControllersOf(volume, hostB);
        Assert.Throws<VolumeOwnedElsewhereException>(() => b.Connect(volume.PropertiesFor(hostB), Ct));

        clock.Restart();
        (exit, output, err) = CliProcess.Run(volume.JsonFor(hostB), env, "attach", "-", "--takeover");
        Console.Error.WriteLine($"{Kernel} CLI attach --takeover as host B: exit {exit} in {clock.Elapsed.TotalSeconds:0.0} s: {output.Trim()}");
        Assert.True(exit == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(volume.Link, json.GetProperty("path").GetString());
        Assert.Equal("assembled", json.GetProperty("action").GetString());
        Assert.Equal("record_says_current", json.GetProperty("start_rule").GetString());
        Assert.False(json.GetProperty("degraded").GetBoolean());
        Assert.Equal(0, json.GetProperty("left_out").GetArrayLength());
        Assert.Equal(data, MdLab.ReadDevice(volume.Link, Offset, Chunk));
        AssertControllersBelongTo(volume, hostB);
        var record = storeA.Read(volume.Key, Ct)!.Record;
        Assert.Equal(hostB, record.Owner?.HostNqn);

        b.Disconnect(volume.PropertiesFor(hostB), cancellationToken: Ct);
        volume.AssertGone();
        Assert.Null(storeA.Read(volume.Key, Ct)!.Record.Owner);
    }

    [Fact]
    public void Without_a_record_replicas_the_survivors_marked_failed_may_be_missing()
    {
        using var volume = new ReplicaSetTestVolume("nofail", 3);
        using var history = new TestStateDirectory();
        using var fresh = new TestStateDirectory();
        var connector = Connector(history.Store);
        var arrays = new MdArrays();
        byte[] newest = MdLab.Pattern(71, Chunk);
        var first = connector.Connect(volume.Properties, Ct);
        MdLab.WriteDevice(first.Path, Offset, MdLab.Pattern(70, Chunk));
        volume.LoseWhileWriting(arrays, first.Path, Offset, newest, Ct, 2);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
        Console.Error.WriteLine($"{Kernel} replica 2 failed by md: survivors' array state {ArrayState(volume, 0)}, events {volume.BackingEvents(0)}; " +
            $"replica 2's {ArrayState(volume, 2)}, events {volume.BackingEvents(2)}");

        volume.CutOff(2);
        var attached = Connector(fresh.Store).Connect(volume.Properties, Ct);
        var start = attached.Replication!.Start!;
        Console.Error.WriteLine($"{Kernel} no record: {start.Message}");
        Assert.Equal(StartRuleKind.MissingMarkedFailed, start.Rule);
        Assert.Equal([0, 1], start.Sources);
        AssertLeftOut(start, 2, ReplicaLeftOutReason.Unreachable, reAdd: false);
        Assert.True(attached.Replication.Degraded);
        Assert.Equal(newest, MdLab.ReadDevice(attached.Path, Offset, Chunk));
        Assert.Equal("2", Examine.Field(Tools.Check("mdadm", "--detail", attached.Path), "Active Devices"));
        Connector(fresh.Store).Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
    }

    [Fact]
    public void Without_a_record_a_two_replica_volume_missing_one_is_refused()
    {
        using var volume = new ReplicaSetTestVolume("two", 2);
        using var history = new TestStateDirectory();
        using var fresh = new TestStateDirectory();
        var connector = Connector(history.Store);
        var first = connector.Connect(volume.Properties, Ct);
        MdLab.WriteDevice(first.Path, Offset, MdLab.Pattern(80, Chunk));
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        long events = volume.BackingEvents(0);

        volume.CutOff(1);
        var refused = AssertRefused(() => Connector(fresh.Store).Connect(volume.Properties, Ct), volume);
        AssertLeftOut(refused.Decision, 1, ReplicaLeftOutReason.Unreachable, reAdd: false);
        Assert.Contains("strict majority", refused.Message);
        Assert.Equal(events, volume.BackingEvents(0));
        Assert.Null(fresh.Store.Read(volume.Key, Ct));
    }

    [Fact]
    public void Without_a_record_a_majority_that_agrees_starts()
    {
        using var volume = new ReplicaSetTestVolume("major", 3);
        using var history = new TestStateDirectory();
        using var fresh = new TestStateDirectory();
        var connector = Connector(history.Store);
        byte[] data = MdLab.Pattern(90, Chunk);
        var first = connector.Connect(volume.Properties, Ct);
        MdLab.WriteDevice(first.Path, Offset, data);
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        // Cut off after a clean detach: the superblocks of the other two still count it active.
        volume.CutOff(2);
        Assert.StartsWith("AAA", ArrayState(volume, 0));

        var attached = Connector(fresh.Store).Connect(volume.Properties, Ct);
        var start = attached.Replication!.Start!;
        Console.Error.WriteLine($"{Kernel} no record, 2 of 3: {start.Message}");
        Assert.Equal(StartRuleKind.Majority, start.Rule);
        Assert.Equal([0, 1], start.Sources);
        AssertLeftOut(start, 2, ReplicaLeftOutReason.Unreachable, reAdd: false);
        Assert.True(attached.Replication.Degraded);
        Assert.Equal(data, MdLab.ReadDevice(attached.Path, Offset, Chunk));
        Connector(fresh.Store).Disconnect(volume.Properties, cancellationToken: Ct);
        volume.AssertGone();
        // The start is recorded in the store that had none.
        Assert.NotNull(fresh.Store.Read(volume.Key, Ct));
    }

    [Fact]
    public void Without_a_record_half_of_the_replicas_is_no_majority_and_is_refused()
    {
        using var volume = new ReplicaSetTestVolume("half", 4);
        using var history = new TestStateDirectory();
        using var fresh = new TestStateDirectory();
        var connector = Connector(history.Store);
        var first = connector.Connect(volume.Properties, Ct);
        MdLab.WriteDevice(first.Path, Offset, MdLab.Pattern(100, Chunk));
        connector.Disconnect(volume.Properties, cancellationToken: Ct);
        long events = volume.BackingEvents(0);

        volume.CutOff(2);
        volume.CutOff(3);
        var refused = AssertRefused(() => Connector(fresh.Store).Connect(volume.Properties, Ct), volume);
        AssertLeftOut(refused.Decision, 2, ReplicaLeftOutReason.Unreachable, reAdd: false);
        AssertLeftOut(refused.Decision, 3, ReplicaLeftOutReason.Unreachable, reAdd: false);
        Assert.Contains("strict majority", refused.Message);
        Assert.Equal(events, volume.BackingEvents(0));
        Assert.Equal(events, volume.BackingEvents(1));
    }

    private static void AssertControllersBelongTo(ReplicaSetTestVolume volume, string hostNqn)
    {
        var topology = new NvmeTopology();
        foreach (var replica in volume.Replicas)
        {
            var controllers = topology.ControllersOf(Nqn.Parse(replica.Subsystem.Nqn));
            Assert.All(controllers, c => Assert.Equal(hostNqn, c.HostNqn));
        }
    }

    private static void AssertNoControllersOf(ReplicaSetTestVolume volume, string hostNqn)
    {
        var topology = new NvmeTopology();
        foreach (var replica in volume.Replicas)
            Assert.Empty(topology.ControllersOf(Nqn.Parse(replica.Subsystem.Nqn), hostNqn: Nqn.Parse(hostNqn)));
    }
}
