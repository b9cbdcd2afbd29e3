using NvmeNative.Monitoring;
using NvmeNative.ReplicaState;
using NvmeNative.Tests.ReplicaStateTests;
using static NvmeNative.Monitoring.ReplicaEventKind;

namespace NvmeNative.Tests.Monitoring;

/// <summary>Kernel state transitions (md sysfs, namespaces, controllers) turned into typed events and record writes.</summary>
public sealed class ReplicaEventDerivationTests : IDisposable
{
    private readonly FakeReplicatedHost _host = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public void Dispose() => _host.Dispose();

    private static ReplicaEventKind[] Kinds(IEnumerable<ReplicaEvent> events) => events.Select(e => e.Kind).ToArray();

    /// <summary>A monitor that saw replica 1 fail (faulty, the array degraded).</summary>
    private ReplicaMonitor MonitorThatSawReplica1Fail()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        _host.MemberState(1, "faulty");
        _host.Array(("degraded", "1"));
        monitor.ReconcileOnce(_ct);
        return monitor;
    }

    /// <summary>A monitor that saw replica 1 fail, leave, and come back into its slot with md recovering onto it.</summary>
    private ReplicaMonitor MonitorWithReplica1Rebuilding()
    {
        var monitor = MonitorThatSawReplica1Fail();
        _host.RemoveMember(1);
        _host.AddMember(1, "spare", "1");
        _host.Array(("sync_action", "recover"), ("sync_completed", "0 / 2048"));
        Assert.Equal([MemberReAdded, RebuildStarted], Kinds(monitor.ReconcileOnce(_ct)));
        return monitor;
    }

    [Fact]
    public void A_healthy_host_seen_for_the_first_time_gives_no_event()
    {
        var monitor = _host.Monitor();
        Assert.Empty(monitor.ReconcileOnce(_ct));
        Assert.Empty(monitor.ReconcileOnce(_ct));
    }

    [Fact]
    public void A_member_failing_is_faulty_then_degraded_named_by_volume_and_replica_and_recorded_failed()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        _host.MemberState(1, "faulty");
        _host.Array(("degraded", "1"));

        var events = monitor.ReconcileOnce(_ct);

        Assert.Equal([MemberFaulty, ArrayDegraded], Kinds(events));
        var faulty = events[0];
        Assert.Equal("vol1", faulty.VolumeAlias);
        Assert.Equal(ReplicaFixtures.ArrayUuid, faulty.ArrayUuid);
        Assert.Equal(FakeReplicatedHost.Md, faulty.MdDevice);
        Assert.Equal(FakeReplicatedHost.Id(1).TargetNqn, faulty.TargetNqn);
        Assert.Equal(FakeReplicatedHost.Id(1).Namespace, faulty.Namespace);
        Assert.Equal([FakeReplicatedHost.Md, "nvme1n1"], faulty.Devices);
        Assert.Equal(ReplicaCondition.Failed, _host.Record.EntryOf(FakeReplicatedHost.Id(1))!.State);
        Assert.Equal(ReplicaCondition.InSync, _host.Record.EntryOf(FakeReplicatedHost.Id(0))!.State);
    }

    [Fact]
    public void The_record_is_written_before_any_subscriber_hears_of_the_failure()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        ReplicaCondition? seenBySubscriber = null;
        using var subscription = monitor.Subscribe(e =>
        {
            if (e.Kind == MemberFaulty)
                seenBySubscriber = _host.Record.EntryOf(FakeReplicatedHost.Id(2))!.State;
        });
        _host.MemberState(2, "faulty");
        monitor.ReconcileOnce(_ct);
        Assert.Equal(ReplicaCondition.Failed, seenBySubscriber);
    }

    [Fact]
    public void A_faulty_member_leaving_and_its_namespace_going_are_removed_and_path_lost()
    {
        var monitor = MonitorThatSawReplica1Fail();
        _host.RemoveMember(1);
        _host.RemoveHead(1);

        var events = monitor.ReconcileOnce(_ct);

        Assert.Equal([PathLost, MemberRemoved], Kinds(events));
        // The member's device is gone, yet the events still name the replica it held (remembered from before).
        Assert.All(events, e => Assert.Equal(FakeReplicatedHost.Id(1).TargetNqn, e.TargetNqn));
        Assert.Equal("vol1", events[0].VolumeAlias);
        Assert.Equal(ReplicaCondition.Failed, _host.Record.EntryOf(FakeReplicatedHost.Id(1))!.State);
    }

    [Fact]
    public void A_replica_coming_back_is_restored_re_added_rebuilt_and_optimal_in_order_and_recorded_in_sync()
    {
        var monitor = MonitorThatSawReplica1Fail();
        _host.RemoveMember(1);
        _host.RemoveHead(1);
        monitor.ReconcileOnce(_ct);

        _host.RestoreHead(1);
        Assert.Equal([PathRestored], Kinds(monitor.ReconcileOnce(_ct)));
        _host.AddMember(1, "spare", "1");
        _host.Array(("sync_action", "recover"), ("sync_completed", "10 / 2048"));
        var back = monitor.ReconcileOnce(_ct);
        Assert.Equal([MemberReAdded, RebuildStarted], Kinds(back));
        Assert.Equal(ReplicaCondition.Rebuilding, _host.Record.EntryOf(FakeReplicatedHost.Id(1))!.State);
        _host.Array(("sync_completed", "1100 / 2048"));
        var progress = Assert.Single(monitor.ReconcileOnce(_ct));
        Assert.Equal(RebuildProgress, progress.Kind);
        Assert.StartsWith("50%", progress.Detail);
        _host.MemberState(1, "in_sync", "1");
        _host.Array(("sync_action", "idle"), ("sync_completed", "none"), ("degraded", "0"));

        Assert.Equal([RebuildFinished, ArrayOptimal], Kinds(monitor.ReconcileOnce(_ct)));
        Assert.All(_host.Record.Replicas, e => Assert.Equal(ReplicaCondition.InSync, e.State));
    }

    [Fact]
    public void A_rebuild_that_ran_between_two_looks_is_still_reported_finished_before_optimal()
    {
        var monitor = MonitorThatSawReplica1Fail();
        _host.RemoveMember(1);
        monitor.ReconcileOnce(_ct);
        _host.AddMember(1, "in_sync", "1");
        _host.Array(("degraded", "0"));
        Assert.Equal([MemberReAdded, RebuildFinished, ArrayOptimal], Kinds(monitor.ReconcileOnce(_ct)));
    }

    [Fact]
    public void The_rebuild_finishes_when_its_member_is_in_sync_then_optimal_although_sync_action_lags()
    {
        var monitor = MonitorWithReplica1Rebuilding();
        _host.MemberState(1, "in_sync", "1");
        _host.Array(("degraded", "0"), ("sync_completed", "2048 / 2048"));
        // md marks the member in sync and lowers degraded a moment before sync_action goes idle: finished, then optimal.
        Assert.Equal([RebuildFinished, ArrayOptimal], Kinds(monitor.ReconcileOnce(_ct)));
        _host.Array(("sync_action", "idle"), ("sync_completed", "none"));
        Assert.Empty(monitor.ReconcileOnce(_ct));
    }

    /// <summary>
    /// A look reads the members before degraded and sync_action: a recovery ending between those reads shows its member
    /// still rebuilding beside an idle, undegraded array. That look must not call the array optimal, or the record would
    /// keep the replica "rebuilding" (the optimal event marks only members it sees in sync).
    /// </summary>
    [Fact]
    public void A_look_torn_by_a_rebuild_ending_mid_read_waits_for_the_member_in_sync_before_optimal()
    {
        var monitor = MonitorWithReplica1Rebuilding();

        _host.Array(("degraded", "0"), ("sync_action", "idle"), ("sync_completed", "none"));
        Assert.Empty(monitor.ReconcileOnce(_ct));
        Assert.Equal(ReplicaCondition.Rebuilding, _host.Record.EntryOf(FakeReplicatedHost.Id(1))!.State);

        _host.MemberState(1, "in_sync", "1");
        Assert.Equal([RebuildFinished, ArrayOptimal], Kinds(monitor.ReconcileOnce(_ct)));
        Assert.All(_host.Record.Replicas, e => Assert.Equal(ReplicaCondition.InSync, e.State));
    }

    [Fact]
    public void A_rebuild_that_finished_while_no_monitor_ran_is_settled_in_sync_by_the_next_one_without_an_event()
    {
        var rebuilding = _host.Store.Read(FakeReplicatedHost.Key, _ct)!;
        _host.Store.CompareAndSwap(FakeReplicatedHost.Key, rebuilding.Version,
            rebuilding.Record.WithReplica(FakeReplicatedHost.Id(1), ReplicaCondition.Rebuilding, ReplicaFixtures.T0), _ct);

        Assert.Empty(_host.Monitor().ReconcileOnce(_ct));

        Assert.All(_host.Record.Replicas, e => Assert.Equal(ReplicaCondition.InSync, e.State));
        var version = _host.Store.Read(FakeReplicatedHost.Key, _ct)!.Version;
        _host.Monitor().ReconcileOnce(_ct);
        Assert.Equal(version, _host.Store.Read(FakeReplicatedHost.Key, _ct)!.Version); // settled once, not rewritten
    }

    [Fact]
    public void A_replica_on_record_as_failed_is_never_made_current_by_an_array_that_shows_it_in_sync()
    {
        // An array started outside the library from stale replicas shows them in sync: only the record knows better.
        var current = _host.Store.Read(FakeReplicatedHost.Key, _ct)!;
        _host.Store.CompareAndSwap(FakeReplicatedHost.Key, current.Version,
            current.Record.WithReplica(FakeReplicatedHost.Id(2), ReplicaCondition.Failed, ReplicaFixtures.T0, failedAtEvents: 7), _ct);

        Assert.Empty(_host.Monitor().ReconcileOnce(_ct));

        var entry = _host.Record.EntryOf(FakeReplicatedHost.Id(2))!;
        Assert.Equal(ReplicaCondition.Failed, entry.State);
        Assert.Equal(7UL, entry.FailedAtEvents);
    }

    [Fact]
    public void A_recovery_flicker_with_nothing_to_recover_onto_is_no_rebuild()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        _host.MemberState(1, "faulty");
        _host.Array(("degraded", "1"), ("sync_action", "recover"));
        Assert.Equal([MemberFaulty, ArrayDegraded], Kinds(monitor.ReconcileOnce(_ct)));
        _host.Array(("sync_action", "idle"));
        Assert.Empty(monitor.ReconcileOnce(_ct));
    }

    [Fact]
    public void A_working_member_vanishing_between_two_looks_is_reported_faulty_and_recorded_failed()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        _host.RemoveMember(2);
        _host.RemoveHead(2);
        _host.Array(("degraded", "1"));
        var events = monitor.ReconcileOnce(_ct);
        Assert.Equal([PathLost, MemberFaulty, MemberRemoved, ArrayDegraded], Kinds(events));
        Assert.Equal(FakeReplicatedHost.Id(2).TargetNqn, events[1].TargetNqn);
        Assert.Equal(ReplicaCondition.Failed, _host.Record.EntryOf(FakeReplicatedHost.Id(2))!.State);
    }

    [Fact]
    public void A_controller_reconnecting_and_live_again_are_reported_with_its_subsystem()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        _host.Sysfs.SetState(2, "connecting");
        var lost = Assert.Single(monitor.ReconcileOnce(_ct));
        Assert.Equal(ControllerReconnecting, lost.Kind);
        Assert.Equal(["nvme2"], lost.Devices);
        Assert.Equal(FakeReplicatedHost.Id(2).TargetNqn, lost.TargetNqn);
        _host.Sysfs.SetState(2, "live");
        Assert.Equal([ControllerLive], Kinds(monitor.ReconcileOnce(_ct)));
    }

    [Fact]
    public void An_array_stopping_is_reported_once_and_nothing_is_written()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        var before = _host.Store.Read(FakeReplicatedHost.Key, _ct)!.Version;
        _host.StopArray();
        var stopped = Assert.Single(monitor.ReconcileOnce(_ct));
        Assert.Equal(ArrayStopped, stopped.Kind);
        Assert.Equal("vol1", stopped.VolumeAlias);
        Assert.Empty(monitor.ReconcileOnce(_ct));
        Assert.Equal(before, _host.Store.Read(FakeReplicatedHost.Key, _ct)!.Version);
    }

    [Fact]
    public void An_array_cleared_and_then_gone_is_stopped_once()
    {
        var monitor = _host.Monitor();
        monitor.ReconcileOnce(_ct);
        _host.Array(("array_state", "clear"));
        Assert.Equal([ArrayStopped], Kinds(monitor.ReconcileOnce(_ct)));
        _host.StopArray();
        Assert.Empty(monitor.ReconcileOnce(_ct));
    }

    [Fact]
    public void A_restarted_monitor_reports_and_records_a_failure_it_did_not_see_happen()
    {
        _host.MemberState(0, "faulty");
        _host.Array(("degraded", "1"));
        var events = _host.Monitor().ReconcileOnce(_ct);
        Assert.Equal([MemberFaulty, ArrayDegraded], Kinds(events));
        Assert.Equal(ReplicaCondition.Failed, _host.Record.EntryOf(FakeReplicatedHost.Id(0))!.State);
        // And the next restart finds it already on record: the entry (and its time) is left as it is.
        var version = _host.Store.Read(FakeReplicatedHost.Key, _ct)!.Version;
        _host.Monitor().ReconcileOnce(_ct);
        Assert.Equal(version, _host.Store.Read(FakeReplicatedHost.Key, _ct)!.Version);
    }

    [Fact]
    public void Without_a_record_events_still_name_the_replica_from_sysfs()
    {
        using var host = new FakeReplicatedHost(withRecord: false);
        var monitor = host.Monitor();
        monitor.ReconcileOnce(_ct);
        host.MemberState(1, "faulty");
        var e = Assert.Single(monitor.ReconcileOnce(_ct));
        Assert.Null(e.VolumeAlias);
        Assert.Equal(ReplicaFixtures.ArrayUuid, e.ArrayUuid);
        Assert.Equal(FakeReplicatedHost.Id(1).TargetNqn, e.TargetNqn);
        Assert.Null(host.Store.Read(FakeReplicatedHost.Key, _ct));
    }

    [Fact]
    public void Event_json_is_one_line_with_snake_case_names()
    {
        var e = new ReplicaEvent(MemberFaulty, ReplicaFixtures.T0, "vol1", ReplicaFixtures.ArrayUuid, "md127",
            FakeReplicatedHost.Id(1).TargetNqn, FakeReplicatedHost.Id(1).Namespace, ["md127", "nvme1n1"], "faulty");
        string json = e.ToJson();
        Assert.DoesNotContain('\n', json);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("member_faulty", doc.RootElement.GetProperty("event").GetString());
        Assert.Equal("vol1", doc.RootElement.GetProperty("volume").GetString());
        Assert.Equal("nvme1n1", doc.RootElement.GetProperty("devices")[1].GetString());
        Assert.Equal("2026-11-01T12:00:00.0000000Z", doc.RootElement.GetProperty("timestamp").GetString());
        Assert.Contains("member_faulty volume vol1 (md127)", e.ToString());
    }
}
