using NvmeNative.ReplicaState;

namespace NvmeNative.Tests.Monitoring;

/// <summary>
/// The healing monitor's safety net for a namespace's return the host missed: the live controller of a replica failed on
/// record whose namespace is absent is asked to rescan, one recheck interval after it went missing, then at doubling
/// intervals (capped at eight), and never while the namespace is there.
/// </summary>
public sealed class MissingNamespaceRescanTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private readonly FakeReplicatedHost _host = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private long _now = 1_000_000;

    public void Dispose() => _host.Dispose();

    private string RescanAttribute => _host.Sysfs.Sys("class/nvme/nvme2/rescan_controller");

    /// <summary>A healing monitor on the fake clock, after its first look at the healthy host.</summary>
    private NvmeNative.Monitoring.ReplicaMonitor HealingMonitor()
    {
        var monitor = _host.Monitor(options: _host.Options(heal: true) with { RecheckInterval = Interval }, nowMilliseconds: () => _now);
        File.WriteAllText(RescanAttribute, "");
        monitor.ReconcileOnce(_ct);
        return monitor;
    }

    /// <summary>Replica 2 failed on record, then its member and namespace gone from the host.</summary>
    private void LoseReplica2(NvmeNative.Monitoring.ReplicaMonitor monitor)
    {
        _host.MemberState(2, "faulty");
        _host.Array(("degraded", "1"));
        Assert.False(LookAfter(monitor, TimeSpan.Zero)); // failed on record; its namespace is still there
        Assert.Equal(ReplicaCondition.Failed, _host.Record.EntryOf(FakeReplicatedHost.Id(2))!.State);
        _host.RemoveMember(2);
        _host.RemoveHead(2);
    }

    /// <summary>Runs one look <paramref name="after"/> the last and says whether it asked controller 2 to rescan.</summary>
    private bool LookAfter(NvmeNative.Monitoring.ReplicaMonitor monitor, TimeSpan after)
    {
        _now += (long)after.TotalMilliseconds;
        File.WriteAllText(RescanAttribute, "");
        monitor.ReconcileOnce(_ct);
        return File.ReadAllText(RescanAttribute) == "1";
    }

    [Fact]
    public void A_failed_replica_whose_namespace_stays_absent_behind_a_live_controller_is_rescanned_at_doubling_intervals()
    {
        var monitor = HealingMonitor();
        LoseReplica2(monitor);

        Assert.False(LookAfter(monitor, TimeSpan.Zero)); // just went missing: the target's notice is what brings it back
        Assert.False(LookAfter(monitor, Interval - TimeSpan.FromSeconds(1)));
        Assert.True(LookAfter(monitor, TimeSpan.FromSeconds(1)));
        Assert.False(LookAfter(monitor, Interval)); // the next is two intervals later
        Assert.True(LookAfter(monitor, Interval));
        Assert.False(LookAfter(monitor, 3 * Interval));
        Assert.True(LookAfter(monitor, Interval)); // four
        Assert.True(LookAfter(monitor, 8 * Interval)); // eight
        Assert.False(LookAfter(monitor, 8 * Interval - TimeSpan.FromSeconds(1)));
        Assert.True(LookAfter(monitor, TimeSpan.FromSeconds(1))); // capped at eight

        // Back: forgotten; lost again: one interval before the first rescan, as the first time.
        _host.RestoreHead(2);
        Assert.False(LookAfter(monitor, 20 * Interval));
        _host.RemoveHead(2);
        Assert.False(LookAfter(monitor, TimeSpan.Zero));
        Assert.True(LookAfter(monitor, Interval));
    }

    [Fact]
    public void A_replica_in_sync_on_record_is_never_rescanned_although_its_namespace_is_absent()
    {
        var monitor = HealingMonitor();
        // Its namespace goes, but md has not failed it and nothing was recorded (no write reached it yet).
        _host.RemoveHead(2);
        Assert.False(LookAfter(monitor, TimeSpan.Zero));
        Assert.Equal(ReplicaCondition.InSync, _host.Record.EntryOf(FakeReplicatedHost.Id(2))!.State);
        Assert.False(LookAfter(monitor, 3 * Interval));
    }

    [Fact]
    public void A_controller_that_is_reconnecting_is_not_asked_to_rescan()
    {
        var monitor = HealingMonitor();
        LoseReplica2(monitor);
        File.WriteAllText(_host.Sysfs.Sys("class/nvme/nvme2/state"), "connecting");
        Assert.False(LookAfter(monitor, TimeSpan.Zero));
        Assert.False(LookAfter(monitor, 2 * Interval));
        File.WriteAllText(_host.Sysfs.Sys("class/nvme/nvme2/state"), "live");
        Assert.False(LookAfter(monitor, TimeSpan.Zero)); // live again: the interval starts now
        Assert.True(LookAfter(monitor, Interval));
    }
}
