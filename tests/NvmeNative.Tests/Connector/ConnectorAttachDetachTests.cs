using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.Tests.Fabrics;
using NvmeNative.Tests.Kernel;
using NvmeNative.Tests.Topology;
using static NvmeNative.Tests.Connector.SimulatedKernel;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// The connector's decisions on a simulated kernel (<see cref="SimulatedKernel"/> over a fake sysfs tree):
/// what it writes to /dev/nvme-fabrics, which controllers it reuses, waits for or creates, what a failed
/// attach rolls back (only what it created), what it refuses before any kernel change, and how detach
/// treats flush and delete failures. The same flows against the real kernel are in the lab's kernel tests.
/// </summary>
public sealed class ConnectorAttachDetachTests : IDisposable
{
    private const string Nqn = "nqn.2024-01.com.example:vol";
    private const string Uuid = "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10";
    private const string OtherUuid = "0f6c2d7e-5b1a-4c3e-8d2f-7a9b0c1d2e3f";
    private static readonly Namespace Volume = new(1, 1, Uuid);

    private readonly FakeSysfs _sys = new();
    private readonly SimulatedKernel _kernel;
    private readonly Queue<FakeUeventSource> _events = new();
    private int _eventSourcesOpened;

    public ConnectorAttachDetachTests()
    {
        _kernel = new SimulatedKernel(_sys);
        _sys.MultipathParameter("Y");
        string etc = Path.Combine(_sys.Root, "etc", "nvme");
        Directory.CreateDirectory(etc);
        File.WriteAllText(Path.Combine(etc, "hostnqn"), HostNqn + "\n");
        File.WriteAllText(Path.Combine(etc, "hostid"), HostId + "\n");
    }

    public void Dispose() => _sys.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private NvmeOfConnector Connector(bool multipath = true) => new(
        new NvmeOfConnectorOptions
        {
            Paths = _sys.Paths,
            DeviceTimeout = TimeSpan.FromMilliseconds(300),
            PathsTimeout = TimeSpan.FromMilliseconds(300),
            ReconnectTimeout = TimeSpan.FromSeconds(2),
            UseMultipath = multipath,
        },
        _kernel,
        () =>
        {
            _eventSourcesOpened++;
            return _events.Count > 0 ? _events.Dequeue() : new FakeUeventSource();
        });

    private static ConnectionProperties Props(int portals = 2, string ids = $"\"vol_uuid\": \"{Uuid}\", ", string extra = "")
    {
        string list = string.Join(", ", Enumerable.Range(1, portals).Select(i => $"[\"127.0.0.{i}\", 4420, \"tcp\"]"));
        return ConnectionProperties.Parse($$"""{"target_nqn": "{{Nqn}}", {{ids}}{{extra}}"portals": [{{list}}]}""");
    }

    private string Dev(string name) => Path.Combine(_sys.Paths.Dev, name);

    private bool LockFileExists => File.Exists(Path.Combine(_sys.Paths.Run, "lock", "nvmenative", "connect_volume.lock"));

    [Fact]
    public void A_fresh_two_portal_attach_connects_each_portal_once_with_os_brick_defaults_and_returns_the_head()
    {
        _kernel.Connects(0, Volume).Connects(0, Volume);

        var attached = Connector().Connect(Props(), Ct);

        Assert.Equal(Dev("nvme0n1"), attached.Path);
        Assert.Equal(["nvme0", "nvme1"], attached.CreatedControllers);
        Assert.Empty(attached.ReusedControllers);
        Assert.Equal(["nvme0", "nvme1"], attached.PathControllers.Order());
        Assert.Equal(2, _kernel.Writes.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(
                $"transport=tcp,traddr=127.0.0.{i + 1},trsvcid=4420,nqn={Nqn},queue_size=128,ctrl_loss_tmo=-1,hostnqn={HostNqn},hostid={HostId}",
                Canonical(_kernel.Writes[i]));
        }
        Assert.Equal(1, _kernel.ListingReads);
        Assert.Equal("", _kernel.DeleteWrites(0));
        Assert.Equal("", _kernel.DeleteWrites(1));
    }

    [Fact]
    public void A_live_controller_at_a_portal_is_reused_without_a_write_and_is_never_deleted_by_a_later_failure()
    {
        int live = _kernel.ExistingController(0, Nqn, "127.0.0.1");
        _kernel.Connects(0); // portal 2: controller, but the namespace never shows up anywhere

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(), Ct));

        Assert.Single(_kernel.Writes);
        Assert.Contains("traddr=127.0.0.2", _kernel.Writes[0]);
        Assert.Equal("", _kernel.DeleteWrites(live));
        Assert.Equal("1", _kernel.DeleteWrites(1));
        Assert.Equal(["deleted controller nvme1"], e.RolledBack);
        Assert.Empty(e.RollbackFailures);
        Assert.IsType<NvmeNativeTimeoutException>(e.InnerException);
    }

    [Fact]
    public void Both_portals_live_means_no_write_at_all()
    {
        _kernel.ExistingController(0, Nqn, "127.0.0.1");
        _kernel.ExistingController(0, Nqn, "127.0.0.2");
        _sys.Head(0, 1, 1, Uuid, null, [(0, "optimized"), (1, "optimized")]);

        var attached = Connector().Connect(Props(), Ct);

        Assert.Empty(_kernel.Writes);
        Assert.Equal(Dev("nvme0n1"), attached.Path);
        Assert.Empty(attached.CreatedControllers);
        Assert.Equal(["nvme0", "nvme1"], attached.ReusedControllers);
    }

    [Theory]
    [InlineData("deleting")]
    [InlineData("dead")]
    public void A_controller_that_will_never_be_live_again_is_left_alone_and_a_new_one_is_connected(string state)
    {
        int dying = _kernel.ExistingController(0, Nqn, "127.0.0.1", state);
        _kernel.Connects(0, Volume);

        var attached = Connector().Connect(Props(portals: 1), Ct);

        Assert.Single(_kernel.Writes);
        Assert.Equal(["nvme1"], attached.CreatedControllers);
        Assert.Equal("", _kernel.DeleteWrites(dying));
    }

    [Fact]
    public void A_reconnecting_controller_is_waited_for_by_its_uevent_and_reused()
    {
        int coming = _kernel.ExistingController(0, Nqn, "127.0.0.1", "connecting");
        _events.Enqueue(new FakeUeventSource()); // the attach's own listener
        _events.Enqueue(new FakeUeventSource().ThenEvent("change", $"/devices/virtual/nvme-fabrics/ctl/nvme{coming}", "nvme", () =>
        {
            _sys.SetState(coming, "live");
            _sys.Head(0, 1, 1, Uuid, null, [(coming, "optimized")]);
        }));

        var attached = Connector().Connect(Props(portals: 1), Ct);

        Assert.Empty(_kernel.Writes);
        Assert.Equal(["nvme0"], attached.ReusedControllers);
        Assert.Equal(Dev("nvme0n1"), attached.Path);
    }

    [Fact]
    public void A_reconnecting_controller_that_fails_is_reported_and_nothing_is_deleted()
    {
        int coming = _kernel.ExistingController(0, Nqn, "127.0.0.1", "connecting");
        _events.Enqueue(new FakeUeventSource());
        _events.Enqueue(new FakeUeventSource().ThenEvent("change", $"/devices/virtual/nvme-fabrics/ctl/nvme{coming}", "nvme",
            () => _sys.SetState(coming, "deleting")));

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(portals: 1), Ct));

        Assert.Contains("will not become live", e.Message);
        Assert.Empty(_kernel.Writes);
        Assert.Empty(e.RolledBack);
        Assert.Equal("", _kernel.DeleteWrites(coming));
    }

    [Fact]
    public void One_refused_portal_of_two_still_attaches_through_the_other()
    {
        _kernel.Refuses(Errno.ECONNREFUSED).Connects(0, Volume);

        var attached = Connector().Connect(Props(), Ct);

        Assert.Equal(2, _kernel.Writes.Count);
        Assert.Equal(["nvme0"], attached.CreatedControllers);
        Assert.Equal(["nvme0"], attached.PathControllers);
    }

    [Fact]
    public void When_every_portal_is_refused_the_error_gives_each_meaning_and_nothing_is_left()
    {
        _kernel.Refuses(Errno.ECONNREFUSED).Refuses(Errno.ECONNREFUSED);

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(), Ct));

        Assert.Contains("no portal could be connected", e.Message);
        Assert.Contains("127.0.0.1", e.Message);
        Assert.Contains("127.0.0.2", e.Message);
        Assert.Empty(e.RolledBack);
        Assert.False(Directory.Exists(_sys.ControllerDir(0)));
    }

    [Fact]
    public void A_controller_another_process_created_first_EALREADY_is_used_and_not_rolled_back()
    {
        _kernel.OnConnect(c =>
        {
            c.CreateController(0); // the other process's controller
            return Errno.EALREADY;
        });
        var attachedBy = Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(portals: 1), Ct));

        Assert.Empty(attachedBy.RolledBack);
        Assert.Equal("", _kernel.DeleteWrites(0));
        Assert.IsType<NvmeNativeTimeoutException>(attachedBy.InnerException); // it had no namespace: the wait timed out

        _sys.Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        var attached = Connector().Connect(Props(portals: 1), Ct);
        Assert.Equal(["nvme0"], attached.ReusedControllers);
    }

    [Fact]
    public void The_wrong_volume_is_never_returned_a_namespace_with_another_uuid_times_out_and_rolls_back()
    {
        _kernel.Connects(0, new Namespace(1, 1, OtherUuid));

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(portals: 1), Ct));

        Assert.Equal("1", _kernel.DeleteWrites(0));
        Assert.Contains(Uuid, e.Message);
    }

    [Fact]
    public void Cancellation_during_the_namespace_wait_rolls_back_what_was_created()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _kernel.OnConnect(c =>
        {
            c.CreateController(0);
            cts.CancelAfter(50);
            return null;
        });
        var connector = new NvmeOfConnector(
            new NvmeOfConnectorOptions { Paths = _sys.Paths, DeviceTimeout = TimeSpan.FromSeconds(30) }, _kernel, () => new FakeUeventSource());

        Assert.ThrowsAny<OperationCanceledException>(() => connector.Connect(Props(portals: 1), cts.Token));

        Assert.Equal("1", _kernel.DeleteWrites(0));
    }

    [Fact]
    public void Without_an_identifier_the_one_new_namespace_of_the_target_is_chosen()
    {
        int live = _kernel.ExistingController(0, Nqn, "127.0.0.1");
        _sys.Head(0, 1, 1, OtherUuid, null, [(live, "optimized")]); // attached earlier: not the new one
        _kernel.Connects(0, new Namespace(1, 1, OtherUuid), new Namespace(2, 2, Uuid));

        var attached = Connector().Connect(Props(ids: ""), Ct);

        Assert.Equal(Dev("nvme0n2"), attached.Path);
    }

    [Fact]
    public void Without_an_identifier_two_different_new_namespaces_are_refused_and_rolled_back()
    {
        _kernel.Connects(0, new Namespace(1, 1, OtherUuid), new Namespace(2, 2, Uuid));

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Props(portals: 1, ids: ""), Ct));

        Assert.Contains("refusing to guess", e.Message);
        Assert.Equal("1", _kernel.DeleteWrites(0));
    }

    [Fact]
    public void Enforced_multipath_on_a_host_without_it_is_refused_before_any_kernel_access()
    {
        _sys.MultipathParameter("N");

        var e = Assert.Throws<NvmeNativeException>(() => Connector().Connect(Props(extra: "\"enforce_multipath\": true, "), Ct));

        Assert.IsNotType<AttachFailedException>(e);
        Assert.Contains("enforce_multipath", e.Message);
        Assert.Empty(_kernel.Writes);
        Assert.Equal(0, _kernel.ListingReads);
        Assert.False(LockFileExists);
    }

    [Fact]
    public void Multipath_off_without_enforcement_connects_every_portal_anyway()
    {
        _sys.MultipathParameter("N");
        _kernel.Connects(0, Volume).Connects(0, Volume);

        var attached = Connector().Connect(Props(), Ct);

        Assert.Equal(2, attached.CreatedControllers.Count);
    }

    [Fact]
    public void Without_multipath_the_first_portal_that_connects_is_the_only_one()
    {
        _kernel.OnConnect(c =>
        {
            c.CreateController(0);
            _sys.Plain(c.Instance!.Value, "nvme0n1", 1, Uuid, null);
            return null;
        });

        var attached = Connector(multipath: false).Connect(Props(), Ct);

        Assert.Single(_kernel.Writes);
        Assert.Equal(Dev("nvme0n1"), attached.Path);
    }

    [Fact]
    public void A_missing_nvme_fabrics_device_names_the_module_before_any_change()
    {
        _kernel.Listing = (FabricsStep.Open, (int)Errno.ENOENT, "");

        var e = Assert.Throws<FabricsUnavailableException>(() => Connector().Connect(Props(), Ct));

        Assert.Contains("nvme-fabrics", e.Message);
        Assert.Empty(_kernel.Writes);
        Assert.False(LockFileExists);
    }

    [Fact]
    public void An_option_the_kernel_does_not_list_fails_before_any_write()
    {
        _kernel.Listing = (FabricsStep.None, 0, RecordingFabricsDevice.Listing612.Replace("ctrl_loss_tmo=%d,", ""));

        Assert.Throws<UnsupportedFabricsOptionException>(() => Connector().Connect(Props(), Ct));

        Assert.Empty(_kernel.Writes);
    }

    [Fact]
    public void Detach_deletes_the_controllers_of_the_target_and_a_second_detach_succeeds()
    {
        _kernel.Connects(0, Volume).Connects(0, Volume);
        var connector = Connector();
        connector.Connect(Props(), Ct);

        var detached = connector.Disconnect(Props(), cancellationToken: Ct);

        Assert.Equal(["nvme0", "nvme1"], detached.DeletedControllers.Order());
        Assert.Equal("1", _kernel.DeleteWrites(0));
        Assert.Equal("1", _kernel.DeleteWrites(1));
        _sys.RemoveController(0);
        _sys.RemoveController(1);
        var again = connector.Disconnect(Props(), cancellationToken: Ct);
        Assert.Empty(again.DeletedControllers);
        Assert.Empty(again.Errors);
    }

    [Fact]
    public void Detaching_one_of_two_attached_namespaces_keeps_the_shared_controller()
    {
        _kernel.Connects(0, Volume, new Namespace(2, 2, OtherUuid));
        var connector = Connector();
        connector.Connect(Props(portals: 1), Ct);
        connector.Connect(Props(portals: 1, ids: $"\"vol_uuid\": \"{OtherUuid}\", "), Ct);

        var first = connector.Disconnect(Props(portals: 1), cancellationToken: Ct);
        Assert.Equal(["nvme0"], first.KeptControllers);
        Assert.Equal("", _kernel.DeleteWrites(0));

        var second = connector.Disconnect(Props(portals: 1, ids: $"\"vol_uuid\": \"{OtherUuid}\", "), cancellationToken: Ct);
        Assert.Equal(["nvme0"], second.DeletedControllers);
        Assert.Equal("1", _kernel.DeleteWrites(0));
    }

    [Fact]
    public void A_failed_flush_stops_the_detach_unless_forced_and_is_raised_unless_errors_are_ignored()
    {
        _kernel.Connects(0, Volume);
        var connector = Connector();
        var attached = connector.Connect(Props(portals: 1), Ct);
        // A regular file stands in for the device: fsync works, BLKFLSBUF fails with ENOTTY.
        Directory.CreateDirectory(_sys.Paths.Dev);
        File.WriteAllText(attached.Path, "data");

        var e = Assert.Throws<NvmeNativeException>(() => connector.Disconnect(Props(portals: 1), ignoreErrors: true, cancellationToken: Ct));
        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Equal("", _kernel.DeleteWrites(0));

        // os-brick's force: go on deleting; without ignore_errors the flush error is still raised at the end.
        var raised = Assert.Throws<NvmeNativeException>(() => connector.Disconnect(Props(portals: 1), force: true, cancellationToken: Ct));
        Assert.Equal(Errno.ENOTTY, raised.Errno);
        Assert.Equal("1", _kernel.DeleteWrites(0));

        var forced = connector.Disconnect(Props(portals: 1), force: true, ignoreErrors: true, cancellationToken: Ct);
        Assert.Equal(["nvme0"], forced.DeletedControllers);
        Assert.Equal(Errno.ENOTTY, Assert.Single(forced.Errors).Errno);
    }

    [Fact]
    public void A_volume_whose_only_controller_reconnects_is_not_flushed_refused_without_force_and_with_it_its_controller_deleted()
    {
        _kernel.Connects(0, Volume);
        var connector = Connector();
        var attached = connector.Connect(Props(portals: 1), Ct);
        Directory.CreateDirectory(_sys.Paths.Dev);
        File.WriteAllText(attached.Path, "data"); // a flush of it would fail with ENOTTY: the test sees whether it was tried
        _sys.SetState(0, "connecting");

        var refused = Assert.Throws<NvmeNativeException>(() => connector.Disconnect(Props(portals: 1), cancellationToken: Ct));
        Assert.Contains("no controller of", refused.Message);
        Assert.Contains("nvme0 connecting", refused.Message);
        Assert.Null(refused.Errno);
        Assert.Equal("", _kernel.DeleteWrites(0));

        var forced = connector.Disconnect(Props(portals: 1), force: true, ignoreErrors: true, cancellationToken: Ct);
        Assert.Equal(["nvme0"], forced.DeletedControllers);
        Assert.Contains("not flushed (force)", Assert.Single(forced.Errors).Message);
    }

    [Fact]
    public void Controller_timeouts_come_from_the_options_and_the_volumes_keys_override_them()
    {
        _kernel.Connects(0, Volume).Connects(0, Volume);
        var options = new NvmeOfConnectorOptions
        {
            Paths = _sys.Paths,
            DeviceTimeout = TimeSpan.FromMilliseconds(300),
            SingleVolumeTimeouts = ControllerTimeouts.OsBrick with { ReconnectDelay = TimeSpan.FromSeconds(4) },
        };
        var connector = new NvmeOfConnector(options, _kernel, () => new FakeUeventSource());

        connector.Connect(Props(portals: 1, extra: "\"fast_io_fail_tmo\": 3, \"keep_alive_tmo\": \"7\", \"replica_fast_io_fail_tmo\": 0, "), Ct);

        var tokens = Assert.Single(_kernel.Writes).TrimEnd('\n').Split(',');
        Assert.Subset(tokens.ToHashSet(), new HashSet<string> { "ctrl_loss_tmo=-1", "reconnect_delay=4", "fast_io_fail_tmo=3", "keep_alive_tmo=7" });
    }

    [Fact]
    public void Replica_legs_connect_with_the_fast_failing_timeouts_and_the_volumes_replica_keys_override_them()
    {
        _kernel.Connects(0, Volume).Connects(1, new Namespace(1, 1, OtherUuid));
        var properties = ConnectionProperties.Parse(Replicated().ToJson().TrimEnd('}') + ", \"replica_keep_alive_tmo\": 3, \"fast_io_fail_tmo\": 9}");
        Assert.Equal(TimeSpan.FromSeconds(3), properties.ReplicaTimeouts!.KeepAliveTimeout);

        Assert.Throws<AttachFailedException>(() => Connector().Connect(properties, Ct)); // md fails here: the connects are what counts

        Assert.Equal(2, _kernel.Writes.Count);
        foreach (var write in _kernel.Writes)
        {
            var tokens = write.TrimEnd('\n').Split(',').ToHashSet();
            Assert.Subset(tokens, new HashSet<string> { "ctrl_loss_tmo=-1", "reconnect_delay=1", "fast_io_fail_tmo=0", "keep_alive_tmo=3" });
        }
    }

    [Fact]
    public void A_failed_controller_deletion_is_thrown_or_with_ignore_errors_returned()
    {
        _kernel.Connects(0, Volume);
        var connector = Connector();
        connector.Connect(Props(portals: 1), Ct);
        string delete = Path.Combine(_sys.ControllerDir(0), "delete_controller");
        File.Delete(delete);
        Directory.CreateDirectory(delete); // open(O_WRONLY) now fails with EISDIR

        var thrown = Assert.Throws<NvmeNativeException>(() => connector.Disconnect(Props(portals: 1), cancellationToken: Ct));
        Assert.Equal(Errno.EISDIR, thrown.Errno);

        var returned = connector.Disconnect(Props(portals: 1), ignoreErrors: true, cancellationToken: Ct);
        Assert.Empty(returned.DeletedControllers);
        Assert.Equal(Errno.EISDIR, Assert.Single(returned.Errors).Errno);
    }

    [Fact]
    public void A_fresh_attach_opens_one_uevent_listener_for_all_its_waits()
    {
        _kernel.Connects(0, Volume);
        Connector().Connect(Props(portals: 1), Ct);
        Assert.Equal(1, _eventSourcesOpened);
    }

    private static ConnectionProperties Replicated(string alias = "vol-a") => ConnectionProperties.Parse($$"""
        {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "{{alias}}", "replica_count": 2, "volume_replicas": [
          {"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid}}", "portals": [["127.0.0.1", 4420, "tcp"]]},
          {"target_nqn": "{{Nqn}}-b", "vol_uuid": "{{OtherUuid}}", "portals": [["127.0.0.2", 4420, "tcp"]]}]}
        """);

    [Fact]
    public void A_replicated_volume_with_no_replica_reachable_fails_naming_each_and_leaves_nothing()
    {
        _kernel.Refuses(Errno.ECONNREFUSED).Refuses(Errno.EHOSTUNREACH);

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Replicated(), Ct));

        Assert.Contains("no replica of vol-a could be attached", e.Message);
        Assert.Contains("[0]", e.Message);
        Assert.Contains("[1]", e.Message);
        Assert.Equal(2, _kernel.Writes.Count);
        Assert.Empty(e.RolledBack);
    }

    [Fact]
    public void A_replicated_attach_that_fails_after_its_replicas_are_connected_deletes_every_controller_it_created()
    {
        // Both replicas connect, but their devices are not block devices here: the md step fails.
        _kernel.Connects(0, Volume).Connects(1, new Namespace(1, 1, OtherUuid));

        var e = Assert.Throws<AttachFailedException>(() => Connector().Connect(Replicated(), Ct));

        Assert.Equal("1", _kernel.DeleteWrites(0));
        Assert.Equal("1", _kernel.DeleteWrites(1));
        Assert.Contains("deleted controller nvme0", e.RolledBack);
        Assert.Contains("deleted controller nvme1", e.RolledBack);
    }

    [Fact]
    public void A_replicated_attach_checks_every_replica_before_the_first_connect()
    {
        var props = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "vol-a", "replica_count": 2, "volume_replicas": [
              {"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid}}", "portals": [["127.0.0.1", 4420, "tcp"]]},
              {"target_nqn": "{{Nqn}}-b", "vol_uuid": "{{OtherUuid}}", "portals": [["no-such-host.invalid", 4420, "tcp"]]}]}
            """);

        var e = Assert.Throws<InvalidInputException>(() => Connector().Connect(props, Ct));

        Assert.Equal("volume_replicas[1].portals[0][0]", e.KeyPath);
        Assert.Empty(_kernel.Writes);
        Assert.False(LockFileExists);
    }

    [Fact]
    public void On_a_kernel_without_fast_io_fail_tmo_replica_legs_are_refused_naming_it_unless_the_caller_opts_out()
    {
        // 5.10: the read of /dev/nvme-fabrics is EINVAL, and fast_io_fail_tmo (5.11) is not among the assumed options.
        _sys.File("proc/sys/kernel/osrelease", "5.10.0-46-amd64\n");
        _kernel.Listing = (FabricsStep.Read, (int)Errno.EINVAL, "");

        var e = Assert.Throws<UnsupportedFabricsOptionException>(() => Connector().Connect(Replicated(), Ct));

        Assert.Equal("fast_io_fail_tmo", e.Token);
        Assert.Contains("Linux 5.10.0-46-amd64", e.Message);
        Assert.Contains("arrived in about Linux 5.11", e.Message);
        Assert.Contains("set replica_fast_io_fail_tmo to -1", e.Message);
        Assert.Empty(_kernel.Writes);
        Assert.False(LockFileExists);

        // With the opt-out the legs connect without the option (os-brick's waiting legs); nothing reaches the kernel that it lacks.
        _kernel.Refuses(Errno.ECONNREFUSED).Refuses(Errno.ECONNREFUSED);
        var optedOut = ConnectionProperties.Parse($$"""
            {"vol_uuid": "{{Guid.NewGuid()}}", "alias": "vol-a", "replica_count": 2, "replica_fast_io_fail_tmo": -1, "volume_replicas": [
              {"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid}}", "portals": [["127.0.0.1", 4420, "tcp"]]},
              {"target_nqn": "{{Nqn}}-b", "vol_uuid": "{{OtherUuid}}", "portals": [["127.0.0.2", 4420, "tcp"]]}]}
            """);
        Assert.Throws<AttachFailedException>(() => Connector().Connect(optedOut, Ct));
        Assert.Equal(2, _kernel.Writes.Count);
        Assert.All(_kernel.Writes, w => Assert.DoesNotContain("fast_io_fail_tmo", w));
        Assert.All(_kernel.Writes, w => Assert.Contains("ctrl_loss_tmo=-1", w));

        // A single volume never sends the option by default, so it attaches on 5.10 as it does elsewhere.
        Assert.DoesNotContain("fast_io_fail_tmo", AttachPlan.TimeoutsFor(new NvmeOfConnectorOptions(), Props()).ToString());
    }

    /// <summary>The connect string with tokens in a fixed order, so the test does not depend on the writer's order.</summary>
    private static string Canonical(string connect)
    {
        string[] order = ["transport", "traddr", "trsvcid", "nqn", "queue_size", "ctrl_loss_tmo", "hostnqn", "hostid"];
        var tokens = connect.TrimEnd('\n').Split(',').ToDictionary(t => t.Split('=', 2)[0], t => t);
        Assert.Equal(order.Order(), tokens.Keys.Order());
        return string.Join(",", order.Select(k => tokens[k]));
    }
}
