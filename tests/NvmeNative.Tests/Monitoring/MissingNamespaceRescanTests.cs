using NvmeNative.ReplicaState;

namespace NvmeNative.Tests.Monitoring;

/// <summary>
/// The healing monitor's safety net for a namespace's return the host missed: the live controller of a replica failed on
/// record whose namespace is absent is asked to rescan, 5 s after it went missing, then at doubling intervals (capped at
/// 64 times that), never while the namespace is there, and on its own schedule (the monitor's recheck is 10 minutes).
/// </summary>
public sealed class MissingNamespaceRescanTests : IDisposable
{
    private static readonly TimeSpan Interval = NvmeNative.Monitoring.MissingNamespaceRescans.FirstDelay;
    private readonly FakeReplicatedHost _host = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;
    private long _now = 1_000_000;

    public void Dispose() => _host.Dispose();

    private string RescanAttribute => _host.Sysfs.Sys("class/nvme/nvme2/rescan_controller");

    /// <summary>A healing monitor on the fake clock, after its first look at the healthy host.</summary>
    private NvmeNative.Monitoring.ReplicaMonitor HealingMonitor()
    {
        var monitor = _host.Monitor(options: _host.Options(heal: true) with { RecheckInterval = TimeSpan.FromMinutes(10) }, nowMilliseconds: () => _now);
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
        Assert.False(LookAfter(monitor, 8 * Interval - TimeSpan.FromSeconds(1)));
        Assert.True(LookAfter(monitor, TimeSpan.FromSeconds(1))); // eight
        Assert.True(LookAfter(monitor, 16 * Interval));
        Assert.True(LookAfter(monitor, 32 * Interval));
        Assert.True(LookAfter(monitor, 64 * Interval));
        Assert.Equal(NvmeNative.Monitoring.MissingNamespaceRescans.MaxDelay, 64 * Interval);
        Assert.False(LookAfter(monitor, 64 * Interval - TimeSpan.FromSeconds(1)));
        Assert.True(LookAfter(monitor, TimeSpan.FromSeconds(1))); // capped at 64

        // Back: forgotten; lost again: one interval before the first rescan, as the first time.
        _host.RestoreHead(2);
        Assert.False(LookAfter(monitor, 100 * Interval));
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

/// <summary>The monitor's wake-up for work it schedules itself (the next rescan), apart from its recheck.</summary>
public sealed class WakeSourcesTests
{
    [Fact]
    public void A_wake_asked_for_comes_without_any_notification_long_before_the_recheck()
    {
        using var wakes = new NvmeNative.Monitoring.WakeSources(TimeSpan.FromHours(1));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(1)); // a wake-up that never comes fails the test, it does not hang it
        wakes.WakeIn(TimeSpan.FromMilliseconds(20));
        wakes.WaitForWake(deadline.Token);
        // Taken: the next wait is for a notification (or a new request) again.
        wakes.WakeIn(TimeSpan.Zero);
        wakes.WaitForWake(deadline.Token);
    }

    [Fact]
    public void A_notification_still_wakes_at_once_while_a_later_wake_is_pending()
    {
        using var wakes = new NvmeNative.Monitoring.WakeSources(TimeSpan.FromHours(1));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        wakes.WakeIn(TimeSpan.FromHours(1));
        wakes.Wake();
        wakes.WaitForWake(deadline.Token);
        // The pending request was dropped with the wake-up (the reconcile it ran asks again when it still wants one):
        // with none left, the next wait lasts until cancelled.
        using var brief = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.Throws<OperationCanceledException>(() => wakes.WaitForWake(brief.Token));
    }
}
