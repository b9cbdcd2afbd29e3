using System.Diagnostics;
using System.Text.Json;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Topology;

/// <summary>
/// The topology model and its event-driven waits against real controllers: nvmet NVMe/TCP loopback targets,
/// connected through /dev/nvme-fabrics. nvme-cli's list-subsys is the independent oracle.
/// </summary>
public sealed class TopologyKernelTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // TCG emulation is slow; real waits are far shorter

    [Fact]
    public void The_controller_is_found_by_nqn_and_portal_and_the_namespace_by_uuid_nguid_and_nsid()
    {
        using var lab = new TopologyLab();
        NvmeUuid u1 = TopologyLab.NewUuid(), u2 = TopologyLab.NewUuid();
        Nguid g1 = new(Guid.NewGuid()), g2 = new(Guid.NewGuid());
        var subsystem = lab.Subsystem("topo", (1, u1, g1, true), (2, u2, g2, true));
        var port = lab.Port("127.0.0.1", subsystem);
        var connected = lab.Connect(subsystem, port);

        var controller = Assert.Single(lab.Topology.ControllersOf(Nqn.Parse(subsystem.Nqn), TopologyLab.PortalOf(port)));
        Assert.Equal(connected.Name, controller.Name);
        Assert.Equal(ControllerState.Live, controller.State);
        Assert.Equal(Transport.Tcp, controller.Transport);
        Assert.Equal(port.TrSvcId.ToString(System.Globalization.CultureInfo.InvariantCulture), controller.Address!.TrSvcId);
        Assert.Equal(lab.Host.HostNqn.Value, controller.HostNqn);
        Assert.Equal(lab.Host.HostId, controller.HostId);
        Assert.Empty(lab.Topology.ControllersOf(Nqn.Parse(subsystem.Nqn), new Portal("127.0.0.1", port.TrSvcId + 1, Transport.Tcp)));

        var sw = Stopwatch.StartNew();
        var byUuid = lab.Topology.WaitForNamespace([controller], NamespaceSelector.ByUuid(u1), Bound, TopologyLab.Ct);
        output.WriteLine($"namespace by uuid after {sw.ElapsedMilliseconds} ms: {byUuid}");
        Assert.Equal(1u, byUuid.Nsid.Value);
        Assert.Equal(u1, byUuid.Uuid);
        Assert.Equal(g1, byUuid.Nguid);
        Assert.Equal(16L << 20, byUuid.SizeBytes);
        Assert.True(byUuid.IsMultipathHead); // nvmet always reports multi-controller (CMIC), so a head exists
        AssertBlockDevice(byUuid.DevicePath);

        var byNguid = lab.Topology.WaitForNamespace([controller], NamespaceSelector.ByNguid(g2), Bound, TopologyLab.Ct);
        Assert.Equal(2u, byNguid.Nsid.Value);
        Assert.Equal(byNguid.Name, lab.Topology.FindNamespace([controller], NamespaceSelector.ByNsid(new NamespaceId(2)))!.Name);
        Assert.Equal(byUuid.Name, lab.Topology.FindNamespace([controller], NamespaceSelector.ByNsid(new NamespaceId(1)))!.Name);
        Assert.NotEqual(byUuid.DevicePath, byNguid.DevicePath);

        AssertAgreesWithNvmeCli(lab.Topology.Snapshot(), subsystem.Nqn);
    }

    /// <summary>
    /// The per-process NQN index against the kernel's own events: a subsystem created by a connect is found from its
    /// uevent (counted by /sys/kernel/uevent_seqnum before the connect returns), lookups on a quiet host list no
    /// directory, and a subsystem whose last controller was deleted is no longer returned.
    /// </summary>
    [Fact]
    public void The_nqn_index_follows_subsystems_by_their_uevents_and_lists_the_directory_only_when_one_may_be_missing()
    {
        using var lab = new TopologyLab();
        using var events = new UeventWatch();
        var index = new SubsystemIndex(new SysfsTree(KernelPaths.Host), UeventListener.Open);
        var subsystem = lab.Subsystem("index", (1, TopologyLab.NewUuid(), null, true));
        var port = lab.Port("127.0.0.1", subsystem);
        var nqn = Nqn.Parse(subsystem.Nqn);
        byte[] nqnBytes = System.Text.Encoding.UTF8.GetBytes(subsystem.Nqn);

        Assert.Empty(index.SubsystemsWith(nqn, nqnBytes)!); // the first lookup lists and reads every subsystem
        Assert.Equal(1, index.Listings);

        var controller = lab.Connect(subsystem, port);
        // The subsystem is the one whose directory links the controller (a controller has no link back to it).
        string name = Path.GetFileName(Directory.GetFileSystemEntries("/sys/class/nvme-subsystem")
            .Single(dir => Directory.Exists(Path.Combine(dir, controller.Name))));
        Assert.Equal([name], index.SubsystemsWith(nqn, nqnBytes));
        lab.Topology.WaitForNamespace(lab.Topology.ControllersOf(nqn), NamespaceSelector.ByNsid(new NamespaceId(1)), Bound, TopologyLab.Ct);

        // Quiet now (the namespace is up): each lookup is answered from the events, with no listing (one is allowed,
        // for an event of the namespace scan still on its way at the first of them).
        int listed = index.Listings;
        for (int i = 0; i < 20; i++)
            Assert.Equal([name], index.SubsystemsWith(nqn, nqnBytes));
        output.WriteLine($"listings: {index.Listings - listed} in 20 lookups on a quiet host");
        Assert.InRange(index.Listings - listed, 0, 1);

        lab.Connector.DeleteController(controller);
        events.WaitFor(e => e.Action == "remove" && e["SUBSYSTEM"] == "nvme-subsystem" && e.DevPath.EndsWith("/" + name, StringComparison.Ordinal),
            Bound, $"{name} removed");
        Assert.Empty(index.SubsystemsWith(nqn, nqnBytes)!);
    }

    [Fact]
    public void Two_portals_give_two_controllers_and_one_head_with_two_paths()
    {
        using var lab = new TopologyLab();
        NvmeUuid uuid = TopologyLab.NewUuid();
        var subsystem = lab.Subsystem("topo2p", (1, uuid, null, true));
        var port1 = lab.Port("127.0.0.1", subsystem);
        var port2 = lab.Port("127.0.0.2", subsystem);
        var c1 = lab.Connect(subsystem, port1);
        var c2 = lab.Connect(subsystem, port2);

        var nqn = Nqn.Parse(subsystem.Nqn);
        var controllers = lab.Topology.ControllersOf(nqn);
        Assert.Equal(new[] { c1.Name, c2.Name }.Order(), controllers.Select(c => c.Name).Order());
        Assert.Equal(c1.Name, Assert.Single(lab.Topology.ControllersOf(nqn, TopologyLab.PortalOf(port1))).Name);
        Assert.Equal(c2.Name, Assert.Single(lab.Topology.ControllersOf(nqn, TopologyLab.PortalOf(port2))).Name);
        Assert.Single(controllers.Select(c => c.SubsystemName).Distinct());

        // The head appears with its first live path; wait until the second controller's path is there too, with its ANA
        // state read from the target (a new path shows "invalid state" until then, and neither change is announced by
        // any event: seen on 5.10, hence the unannounced re-check).
        using var events = UeventListener.Open();
        var head = KernelWait.Until(events, e => e.Subsystem == "block",
            () => lab.Topology.FindNamespace(controllers, NamespaceSelector.ByUuid(uuid)) is { Paths.Count: 2 } ns
                && ns.Paths.All(p => p.AnaState != AnaState.Unknown) ? ns : null,
            () => lab.Topology.DescribeNamespaces(controllers), "a head with two paths whose ANA states are known", Bound, TopologyLab.Ct,
            unannounced: KernelWait.Unannounced);
        output.WriteLine($"head {head.Name}: {string.Join(", ", head.Paths)}");
        Assert.True(head.IsMultipathHead);
        Assert.Equal(new[] { c1.Name, c2.Name }.Order(), head.ControllerNames.Order());
        Assert.All(head.Paths, p => Assert.Equal(AnaState.Optimized, p.AnaState));
        Assert.Single(lab.Topology.NamespacesOf(controllers));
        AssertBlockDevice(head.DevicePath);

        AssertAgreesWithNvmeCli(lab.Topology.Snapshot(), subsystem.Nqn);
    }

    [Fact]
    public void Another_targets_namespace_with_the_same_nsid_is_never_chosen()
    {
        using var lab = new TopologyLab();
        NvmeUuid ua = TopologyLab.NewUuid(), ub = TopologyLab.NewUuid();
        var a = lab.Subsystem("topoA", (1, ua, null, true));
        var b = lab.Subsystem("topoB", (1, ub, null, true));
        var port = lab.Port("127.0.0.1", a, b);
        lab.Connect(a, port);
        lab.Connect(b, port);
        var ofA = lab.Topology.ControllersOf(Nqn.Parse(a.Nqn));
        var ofB = lab.Topology.ControllersOf(Nqn.Parse(b.Nqn));

        var nsA = lab.Topology.WaitForNamespace(ofA, NamespaceSelector.ByNsid(new NamespaceId(1)), Bound, TopologyLab.Ct);
        var nsB = lab.Topology.WaitForNamespace(ofB, NamespaceSelector.ByNsid(new NamespaceId(1)), Bound, TopologyLab.Ct);
        Assert.Equal(ua, nsA.Uuid);
        Assert.Equal(ub, nsB.Uuid);
        Assert.NotEqual(nsA.DevicePath, nsB.DevicePath);
        Assert.Null(lab.Topology.FindNamespace(ofA, NamespaceSelector.ByUuid(ub)));
    }

    [Fact]
    public async Task The_wait_wakes_when_a_namespace_is_enabled_after_connecting()
    {
        using var lab = new TopologyLab();
        NvmeUuid u1 = TopologyLab.NewUuid(), u2 = TopologyLab.NewUuid();
        var subsystem = lab.Subsystem("topowait", (1, u1, null, true), (2, u2, null, false));
        var port = lab.Port("127.0.0.1", subsystem);
        lab.Connect(subsystem, port);
        var controllers = lab.Topology.ControllersOf(Nqn.Parse(subsystem.Nqn));
        lab.Topology.WaitForNamespace(controllers, NamespaceSelector.ByUuid(u1), Bound, TopologyLab.Ct);
        Assert.Null(lab.Topology.FindNamespace(controllers, NamespaceSelector.ByUuid(u2)));

        using var events = new SignalingUeventSource();
        var sw = Stopwatch.StartNew();
        var wait = Task.Run(() => lab.Topology.WaitForNamespace(events, controllers, NamespaceSelector.ByUuid(u2), Bound, TopologyLab.Ct), TopologyLab.Ct);
        Assert.True(events.Blocking.Wait(Bound, TopologyLab.Ct), "the wait never blocked");
        var enabledAt = sw.Elapsed;
        subsystem.Namespaces.Single(n => n.Nsid == 2).Enable(); // nvmet sends a namespace-changed AEN; the host rescans

        var ns = await wait;
        output.WriteLine($"namespace {ns.Name} {sw.Elapsed - enabledAt} after enable; events: " +
            string.Join(" ", events.Seen.Select(e => $"{e}[{e.Subsystem}]")));
        Assert.Equal(2u, ns.Nsid.Value);
        Assert.Equal(u2, ns.Uuid);
        Assert.Contains(events.Seen, e => e.Action == "add" && e.Subsystem == "block" && e.KernelName == ns.Name);
    }

    [Fact]
    public void A_namespace_that_never_comes_times_out_with_what_was_there()
    {
        using var lab = new TopologyLab();
        NvmeUuid present = TopologyLab.NewUuid(), absent = TopologyLab.NewUuid();
        var subsystem = lab.Subsystem("topotimeout", (1, present, null, true));
        var port = lab.Port("127.0.0.1", subsystem);
        var c = lab.Connect(subsystem, port);
        var controllers = lab.Topology.ControllersOf(Nqn.Parse(subsystem.Nqn));
        var ns = lab.Topology.WaitForNamespace(controllers, NamespaceSelector.ByUuid(present), Bound, TopologyLab.Ct);

        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<NvmeNativeTimeoutException>(() =>
            lab.Topology.WaitForNamespace(controllers, NamespaceSelector.ByUuid(absent), TimeSpan.FromSeconds(2), TopologyLab.Ct));
        output.WriteLine($"{sw.ElapsedMilliseconds} ms: {e.Message}");
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));
        Assert.Equal($"namespace uuid {absent} through {c.Name}", e.WaitingFor);
        Assert.Equal($"{c.Name} live; namespaces: {ns.Name} (nsid 1, uuid {present}, nguid -)", e.LastObserved);
    }

    [Fact]
    public async Task A_reconnecting_controller_is_awaited_until_live_and_a_deleted_one_until_gone()
    {
        using var lab = new TopologyLab();
        var subsystem = lab.Subsystem("topolive", (1, TopologyLab.NewUuid(), null, true));
        var port = lab.Port("127.0.0.1", subsystem);
        var c = lab.Connect(subsystem, port, reconnectDelay: TimeSpan.FromSeconds(1));
        Assert.True(lab.Topology.WaitForControllerLive(c.Name, Bound, TopologyLab.Ct).IsLive); // live already: at once

        // Take the target away: the host loses the connection and enters its reconnect loop. The kernel
        // announces neither the loss nor the state change (no uevent, no sysfs_notify on state), so this
        // precondition is checked by a bounded poll in the test; the library's wait below is event-driven.
        port.Unlink(subsystem);
        string state = "";
        for (var sw = Stopwatch.StartNew(); sw.Elapsed < Bound && (state = lab.Topology.FindController(c.Name)!.StateName!) == "live";)
            Thread.Sleep(100);
        output.WriteLine($"after unlink: {state}");
        Assert.NotEqual("live", state);

        using (var events = new SignalingUeventSource())
        {
            var wait = Task.Run(() => lab.Topology.WaitForControllerLive(events, c.Name, Bound, TopologyLab.Ct), TopologyLab.Ct);
            Assert.True(events.Blocking.Wait(Bound, TopologyLab.Ct), "the wait never blocked");
            port.Link(subsystem);
            var live = await wait;
            Assert.True(live.IsLive);
            if (KernelFacts.AnnouncesReconnects)
            {
                var connectedEvent = Assert.Single(events.Seen, e => e.KernelName == c.Name && e.Action == "change");
                Assert.Equal("connected", connectedEvent.Properties["NVME_EVENT"]);
                Assert.Equal("nvme", connectedEvent.Subsystem);
            }
            else
            {
                // Before 5.18 the reconnect is announced by nothing: the wait saw it by re-reading the state.
                Assert.False(lab.Topology.AnnouncesReconnects);
                Assert.DoesNotContain(events.Seen, e => e.KernelName == c.Name && e.Action == "change");
            }
        }

        using (var events = new SignalingUeventSource())
        {
            var wait = Task.Run(() => lab.Topology.WaitForControllerGone(events, c.Name, Bound, TopologyLab.Ct), TopologyLab.Ct);
            Assert.True(events.Blocking.Wait(Bound, TopologyLab.Ct), "the wait never blocked");
            Assert.True(lab.Connector.DeleteController(c));
            await wait;
            Assert.Null(lab.Topology.FindController(c.Name));
            Assert.Contains(events.Seen, e => e.KernelName == c.Name && e.Action == "remove");
        }
    }

    private static void AssertBlockDevice(string path)
    {
        var st = Fd.Statx(path);
        Assert.Equal(0x6000, st.stx_mode & 0xF000); // S_IFBLK
    }

    /// <summary>nvme list-subsys -o json names the same controllers, transports, addresses and states for the subsystem.</summary>
    private void AssertAgreesWithNvmeCli(HostTopology host, string nqn)
    {
        Requires.Tool("nvme");
        string json = Tools.Check("nvme", "list-subsys", "-o", "json");
        output.WriteLine(json);
        using var doc = JsonDocument.Parse(json);
        var oracle = doc.RootElement.EnumerateArray()
            .SelectMany(h => h.GetProperty("Subsystems").EnumerateArray())
            .Single(s => s.GetProperty("NQN").GetString() == nqn);
        var ours = host.Subsystems.Single(s => s.Nqn == nqn);
        Assert.Equal(oracle.GetProperty("Name").GetString(), ours.Name);
        var expected = oracle.GetProperty("Paths").EnumerateArray()
            .Select(p => $"{p.GetProperty("Name").GetString()} {p.GetProperty("Transport").GetString()} {p.GetProperty("Address").GetString()} {p.GetProperty("State").GetString()}")
            .Order();
        var actual = ours.Controllers.Select(c => $"{c.Name} {c.TransportName} {c.Address!.Raw} {c.StateName}").Order();
        Assert.Equal(expected, actual);
    }
}
