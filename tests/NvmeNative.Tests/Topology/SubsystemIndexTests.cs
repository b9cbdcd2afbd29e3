using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Tests.Kernel;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Topology;

/// <summary>
/// The NQN index of <see cref="NvmeTopology.ControllersOf"/>: lookups after the first answer from what was read,
/// until the kernel's events say a subsystem came or went, or were lost; a subsystem that changed under it is read again.
/// </summary>
public sealed class SubsystemIndexTests : IDisposable
{
    private const string NqnA = "nqn.2024-01.com.example:target-a";
    private const string NqnB = "nqn.2024-01.com.example:target-b";
    private readonly FakeSysfs _sys = new();
    private readonly FakeUeventSource _events = new();

    public SubsystemIndexTests()
    {
        _sys.Controller(0, NqnA, 0).Controller(1, NqnB, 1);
    }

    public void Dispose() => _sys.Dispose();

    private NvmeTopology Indexed() => new(_sys.Paths, () => new FakeUeventSource(), () => _events);

    private static string[] Names(IEnumerable<NvmeController> controllers) => controllers.Select(c => c.Name).ToArray();

    [Fact]
    public void A_subsystem_announced_after_the_first_lookup_is_found()
    {
        var topology = Indexed();
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // The kernel creates another subsystem with the same NQN (a target without multi-controller support) and says so.
        _events.ThenEvent("add", "/devices/virtual/nvme-subsystem/nvme-subsys2", "nvme-subsystem",
            () => _sys.Controller(2, NqnA, 2));
        Assert.Equal(["nvme0", "nvme2"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        Assert.Equal(["nvme1"], Names(topology.ControllersOf(Nqn.Parse(NqnB))));
    }

    [Fact]
    public void Between_events_a_lookup_reads_no_other_subsystems_nqn()
    {
        var topology = Indexed();
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // nvme-subsys1's NQN becomes unreadable (a directory: EISDIR, which a scan reports as an error): the index does
        // not read it again, since no subsystem came or went.
        string nqnB = Path.Combine(_sys.SubsystemDir(1), "subsysnqn");
        System.IO.File.Delete(nqnB);
        Directory.CreateDirectory(nqnB);
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        Assert.Throws<NvmeNativeException>(() => new NvmeTopology(_sys.Paths).ControllersOf(Nqn.Parse(NqnA))); // a scan reads it
    }

    [Fact]
    public void A_subsystem_that_came_or_went_is_read_alone_and_the_others_are_not_read_again()
    {
        var topology = Indexed();
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // nvme-subsys1's NQN becomes unreadable: a lookup that read it again would fail.
        string nqnB = Path.Combine(_sys.SubsystemDir(1), "subsysnqn");
        System.IO.File.Delete(nqnB);
        Directory.CreateDirectory(nqnB);
        _events.ThenEvent("add", "/devices/virtual/nvme-subsystem/nvme-subsys2", "nvme-subsystem",
            () => _sys.Controller(2, NqnA, 2));
        Assert.Equal(["nvme0", "nvme2"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // Gone, and announced: no longer returned, and still nothing else read.
        _events.ThenEvent("remove", "/devices/virtual/nvme-subsystem/nvme-subsys2", "nvme-subsystem", () =>
        {
            _sys.RemoveController(2);
            System.IO.File.Delete(Path.Combine(_sys.Paths.Sys, "class/nvme-subsystem/nvme-subsys2"));
            Directory.Delete(_sys.SubsystemDir(2), recursive: true);
        });
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
    }

    [Fact]
    public void A_subsystem_that_came_without_an_event_is_found_by_the_listing()
    {
        var topology = Indexed();
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        _sys.Controller(6, NqnA, 6); // its event lost, or never sent to this network namespace
        Assert.Equal(["nvme0", "nvme6"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
    }

    /// <summary>The kernel's count of the uevents it sent (/sys/kernel/uevent_seqnum).</summary>
    private void KernelSent(ulong count)
    {
        string dir = Path.Combine(_sys.Paths.Sys, "kernel");
        Directory.CreateDirectory(dir);
        System.IO.File.WriteAllText(Path.Combine(dir, "uevent_seqnum"), count + "\n");
    }

    [Fact]
    public void When_the_kernels_count_shows_every_event_was_received_no_directory_is_listed()
    {
        KernelSent(100);
        var topology = Indexed();
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA)))); // the first lookup lists and reads all
        // A subsystem directory appears with no event, and the kernel sent none (its count did not move): the index,
        // trusting the count, does not list the directory. (The kernel never does this; the test shows the listing is gone.)
        _sys.Controller(6, NqnA, 6);
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // Announced events up to the kernel's count: read alone, and still no listing.
        _events.ThenNumberedEvent(101, "add", "/devices/virtual/nvme-subsystem/nvme-subsys2", "nvme-subsystem", () =>
        {
            _sys.Controller(2, NqnA, 2);
            KernelSent(101);
        });
        Assert.Equal(["nvme0", "nvme2"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        _events.ThenNumberedEvent(102, "remove", "/devices/virtual/nvme-subsystem/nvme-subsys2", "nvme-subsystem", () =>
        {
            _sys.RemoveController(2);
            System.IO.File.Delete(Path.Combine(_sys.Paths.Sys, "class/nvme-subsystem/nvme-subsys2"));
            Directory.Delete(_sys.SubsystemDir(2), recursive: true);
            KernelSent(102);
        });
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // The kernel sent an event this socket has not received (on its way, or not for this namespace): the lookup lists.
        KernelSent(103);
        Assert.Equal(["nvme0", "nvme6"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
    }

    [Fact]
    public void An_event_sent_but_not_yet_received_makes_the_lookup_list_the_subsystems()
    {
        KernelSent(7);
        var topology = Indexed();
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // The kernel created nvme-subsys3 and counted its event, which this socket has not received yet.
        _sys.Controller(3, NqnA, 3);
        KernelSent(8);
        Assert.Equal(["nvme0", "nvme3"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        // Its event arrives later: nothing changes, and the count is caught up with.
        _events.ThenNumberedEvent(8, "add", "/devices/virtual/nvme-subsystem/nvme-subsys3", "nvme-subsystem");
        Assert.Equal(["nvme0", "nvme3"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
    }

    [Fact]
    public void Lost_events_make_the_next_lookup_read_every_subsystem_again()
    {
        var topology = Indexed();
        Assert.Empty(topology.ControllersOf(Nqn.Parse("nqn.2024-01.com.example:target-c")));
        _events.Then(UeventReceipt.Overflow, () => _sys.Controller(3, "nqn.2024-01.com.example:target-c", 3));
        Assert.Equal(["nvme3"], Names(topology.ControllersOf(Nqn.Parse("nqn.2024-01.com.example:target-c"))));
    }

    [Fact]
    public void Events_of_other_devices_keep_the_map_and_a_subsystem_replaced_unannounced_is_read_again()
    {
        var topology = Indexed();
        Assert.Equal(["nvme1"], Names(topology.ControllersOf(Nqn.Parse(NqnB))));
        // A namespace event says nothing about subsystems; meanwhile nvme-subsys1 is replaced by one of another NQN
        // without its events reaching us: the index reads each subsystem it returns, sees that, and reads them all.
        _events.ThenEvent("add", "/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", "block", () =>
        {
            _sys.RemoveController(1);
            System.IO.File.WriteAllText(Path.Combine(_sys.SubsystemDir(1), "subsysnqn"), NqnA + "\n");
        });
        Assert.Empty(topology.ControllersOf(Nqn.Parse(NqnB)));
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA)))); // nvme-subsys1 has no controller now
    }

    [Fact]
    public void Without_an_event_stream_every_lookup_reads_every_subsystem()
    {
        var topology = new NvmeTopology(_sys.Paths, () => new FakeUeventSource(),
            () => throw new NvmeNativeException("no netlink here", "socket", "uevent", errno: (int)Errno.EPERM));
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        _sys.Controller(4, NqnA, 4); // no event could tell: a scan finds it
        Assert.Equal(["nvme0", "nvme4"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
    }

    [Fact]
    public void A_captured_tree_is_never_indexed_and_its_changes_are_seen_at_once()
    {
        var topology = new NvmeTopology(_sys.Paths); // not /sys: uevents would not describe it
        Assert.Equal(["nvme0"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
        _sys.Controller(5, NqnA, 5);
        Assert.Equal(["nvme0", "nvme5"], Names(topology.ControllersOf(Nqn.Parse(NqnA))));
    }
}
