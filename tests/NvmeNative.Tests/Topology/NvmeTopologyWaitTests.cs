using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Tests.Kernel;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Topology;

/// <summary>The topology waits over a built tree, with a scripted event source standing in for the kernel.</summary>
public sealed class NvmeTopologyWaitTests : IDisposable
{
    private const string Nqn1 = "nqn.2024-01.com.example:target-a";
    private const string Uuid1 = "0a1b2c3d-0000-4000-8000-0000000000a1";
    private const string HeadDevPath = "/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1";
    private const string CtrlDevPath = "/devices/virtual/nvme-fabrics/ctl/nvme0";
    private static readonly NamespaceSelector ByUuid = NamespaceSelector.ByUuid(NvmeUuid.Parse(Uuid1));

    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    private (NvmeTopology Topology, FakeUeventSource Events) Make(FakeUeventSource? events = null)
    {
        events ??= new FakeUeventSource();
        return (new NvmeTopology(_sys.Paths, () => events), events);
    }

    private IReadOnlyList<NvmeController> Controllers(NvmeTopology t) => t.ControllersOf(Nqn.Parse(Nqn1));

    [Fact]
    public void A_namespace_already_there_is_returned_without_waiting()
    {
        _sys.Controller(0, Nqn1, 0).Head(0, 1, 1, Uuid1, null, [(0, "optimized")]);
        var (t, events) = Make();
        var ns = t.WaitForNamespace(Controllers(t), ByUuid, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("nvme0n1", ns.Name);
        Assert.Equal(0, events.Receives);
        Assert.True(events.Disposed); // the listener the wait opened is closed
    }

    [Fact]
    public void A_namespace_that_appears_is_returned_on_its_block_add_event()
    {
        _sys.Controller(0, Nqn1, 0).Head(0, 1, 1, Uuid1, null, [(0, "inaccessible")], withHead: false);
        var events = new FakeUeventSource()
            .ThenEvent("add", "/devices/virtual/nvme-fabrics/ctl/nvme0/nvme0c0n1", "block")   // path, head not yet live
            .ThenEvent("add", HeadDevPath, "block", change: () => _sys.AddHead(0, 1, 1, Uuid1, null));
        var (t, _) = Make(events);
        var ns = t.WaitForNamespace(Controllers(t), ByUuid, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("nvme0n1", ns.Name);
        Assert.Equal(3, events.Receives); // the path add (relevant), then the drain takes the head add and finds the queue empty
    }

    [Fact]
    public void A_namespace_that_never_appears_times_out_with_what_was_there()
    {
        _sys.Controller(0, Nqn1, 0).Head(0, 1, 2, "0a1b2c3d-0000-4000-8000-0000000000a2", null, [(0, "optimized")]);
        var (t, _) = Make();
        var e = Assert.Throws<NvmeNativeTimeoutException>(() =>
            t.WaitForNamespace(Controllers(t), ByUuid, TimeSpan.FromMilliseconds(150), TestContext.Current.CancellationToken));
        Assert.Equal($"namespace uuid {Uuid1} through nvme0", e.WaitingFor);
        Assert.Equal("nvme0 live; namespaces: nvme0n1 (nsid 2, uuid 0a1b2c3d-0000-4000-8000-0000000000a2, nguid -)", e.LastObserved);
    }

    [Fact]
    public void Waiting_for_a_namespace_needs_controllers()
    {
        var (t, _) = Make();
        Assert.Throws<ArgumentException>(() => t.WaitForNamespace([], ByUuid, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_connecting_controller_is_returned_when_its_connected_event_comes()
    {
        _sys.Controller(0, Nqn1, 0, state: "connecting");
        var events = new FakeUeventSource()
            .ThenEvent("change", "/devices/virtual/nvme-fabrics/ctl/nvme1", "nvme", change: () => _sys.SetState(0, "resetting")) // another controller
            .Then(UeventReceipt.Of(FakeUeventSource.Uevent("change", CtrlDevPath, "nvme", "NVME_EVENT=connected")),
                change: () => _sys.SetState(0, "live"));
        var (t, _) = Make(events);
        var c = t.WaitForControllerLive("nvme0", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(c.IsLive);
        Assert.Equal(3, events.Receives); // nvme1's event (no re-check), nvme0's, then the drain
    }

    [Fact]
    public void Before_5_18_a_reconnect_announced_by_nothing_is_seen_by_re_reading_the_state()
    {
        // 5.10 sends no NVME_EVENT=connected: the state turns live with no event at all.
        _sys.File("proc/sys/kernel/osrelease", "5.10.0-46-amd64\n");
        _sys.Controller(0, Nqn1, 0, state: "connecting");
        // Two quiet intervals pass (no event), and the controller turns live during the second one: only a re-read
        // can see it. Scripted rather than timed, so a loaded machine cannot reorder it.
        var events = new FakeUeventSource()
            .Then(UeventReceipt.TimedOut)
            .Then(UeventReceipt.TimedOut, change: () => _sys.SetState(0, "live"));
        var (t, _) = Make(events);
        Assert.False(t.AnnouncesReconnects);
        var c = t.WaitForControllerLive("nvme0", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(c.IsLive);
        Assert.Equal(2, events.Receives); // the state was re-read after each quiet interval, without an event
    }

    [Fact]
    public void From_5_18_on_and_on_an_unknown_kernel_a_reconnect_is_awaited_by_its_event_only()
    {
        _sys.File("proc/sys/kernel/osrelease", "6.1.0-57-amd64\n");
        Assert.True(Make().Topology.AnnouncesReconnects);
        System.IO.File.Delete(_sys.At("proc/sys/kernel/osrelease"));
        Assert.True(Make().Topology.AnnouncesReconnects);
    }

    [Fact]
    public void A_controller_that_is_deleted_while_awaited_ends_the_wait_at_once()
    {
        _sys.Controller(0, Nqn1, 0, state: "connecting");
        var events = new FakeUeventSource().ThenEvent("remove", CtrlDevPath, "nvme", change: () => _sys.RemoveController(0));
        var (t, _) = Make(events);
        var e = Assert.Throws<NvmeNativeException>(() => t.WaitForControllerLive("nvme0", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Contains("controller nvme0 is gone; it will not become live", e.Message);

        _sys.Controller(1, Nqn1, 0, state: "deleting");
        e = Assert.Throws<NvmeNativeException>(() => Make().Topology.WaitForControllerLive("nvme1", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Contains("controller nvme1 is deleting; it will not become live", e.Message);
    }

    [Fact]
    public void A_controller_stuck_connecting_times_out_naming_its_state()
    {
        _sys.Controller(0, Nqn1, 0, state: "connecting");
        var e = Assert.Throws<NvmeNativeTimeoutException>(() => Make().Topology.WaitForControllerLive("nvme0", TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken));
        Assert.Equal("controller nvme0 to be live", e.WaitingFor);
        Assert.Equal("nvme0 state 'connecting'", e.LastObserved);
    }

    [Fact]
    public void A_deleted_controller_is_gone_on_its_remove_event()
    {
        _sys.Controller(0, Nqn1, 0);
        var events = new FakeUeventSource()
            .ThenEvent("remove", HeadDevPath, "block")
            .ThenEvent("remove", CtrlDevPath, "nvme", change: () => _sys.RemoveController(0));
        var (t, _) = Make(events);
        t.WaitForControllerGone("nvme0", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(3, events.Receives); // the block remove (no re-check), the controller remove, the drain
        Assert.Null(t.FindController("nvme0"));

        // Already gone: no event needed.
        var (t2, events2) = Make();
        t2.WaitForControllerGone("nvme0", TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, events2.Receives);
    }

    [Fact]
    public void A_controller_that_stays_times_out_and_cancellation_is_honoured()
    {
        _sys.Controller(0, Nqn1, 0);
        var e = Assert.Throws<NvmeNativeTimeoutException>(() => Make().Topology.WaitForControllerGone("nvme0", TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken));
        Assert.Equal("nvme0 still there, state 'live'", e.LastObserved);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.ThrowsAny<OperationCanceledException>(() => Make().Topology.WaitForControllerGone("nvme0", TimeSpan.FromSeconds(30), cts.Token));
    }
}
