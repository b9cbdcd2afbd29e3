using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Topology;

/// <summary>The model over small built trees: edge cases that a lab run does not produce on demand.</summary>
public sealed class NvmeTopologySyntheticTreeTests : IDisposable
{
    private const string NqnA = "nqn.2024-01.com.example:target-a";
    private const string NqnB = "nqn.2024-01.com.example:target-b";
    private const string UuidA1 = "0a1b2c3d-0000-4000-8000-0000000000a1";
    private const string UuidB1 = "0b1b2c3d-0000-4000-8000-0000000000b1";
    private const string NguidA1 = "a1a1a1a1-0000-4000-8000-0000000000a1";
    private static readonly Portal Portal1 = new("127.0.0.1", 4420, Transport.Tcp);
    private static readonly Portal Portal2 = new("127.0.0.2", 4420, Transport.Tcp);

    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    private NvmeTopology Topology => new(_sys.Paths);

    private IReadOnlyList<NvmeController> Of(string nqn) => Topology.ControllersOf(Nqn.Parse(nqn));

    [Fact]
    public void A_head_left_without_paths_is_read_with_its_subsystem_and_one_with_a_path_is_not_pathless()
    {
        // 5.10: namespace 1 went away while md held its head nvme0n1; it came back as the new head nvme0n2.
        _sys.Controller(0, NqnA, 0).Head(0, 2, 1, UuidA1, null, [(0, "optimized")]);
        _sys.AddHead(0, 1, 1, UuidA1, null);
        var t = Topology;
        var (stale, nqn) = t.ReadPathlessHead("nvme0n1")!.Value;
        Assert.Equal(NqnA, nqn);
        Assert.Equal(UuidA1, stale.Uuid.ToString());
        Assert.Empty(stale.Paths);
        Assert.Null(t.ReadPathlessHead("nvme0n2")); // it has a path
        Assert.Null(t.ReadPathlessHead("nvme0n9")); // no such device
        Assert.Null(t.ReadPathlessHead("md127"));
        Assert.Equal(["nvme0n2"], t.NamespacesOf(Of(NqnA)).Select(n => n.Name)); // listings show only reachable namespaces
    }

    [Fact]
    public void Controllers_are_found_by_nqn_and_portal_through_their_subsystem()
    {
        _sys.Controller(0, NqnA, 0)
            .Controller(1, NqnA, 0, address: "traddr=127.0.0.2,trsvcid=4420,src_addr=127.0.0.1")
            .Controller(2, NqnB, 2);
        var t = Topology;
        Assert.Equal(["nvme0", "nvme1"], t.ControllersOf(Nqn.Parse(NqnA)).Select(c => c.Name));
        Assert.Equal(["nvme1"], t.ControllersOf(Nqn.Parse(NqnA), Portal2).Select(c => c.Name));
        Assert.Equal(["nvme2"], t.ControllersOf(Nqn.Parse(NqnB), Portal1).Select(c => c.Name));
        Assert.Empty(t.ControllersOf(Nqn.Parse(NqnB), Portal2));
        Assert.Empty(t.ControllersOf(Nqn.Parse(NqnA), new Portal("127.0.0.1", 4420, Transport.Rdma)));
        Assert.Empty(t.ControllersOf(Nqn.Parse("nqn.2024-01.com.example:other")));

        var c0 = t.ControllersOf(Nqn.Parse(NqnA), Portal1).Single();
        Assert.Equal(0, c0.Instance);
        Assert.Equal(Transport.Tcp, c0.Transport);
        Assert.Equal(ControllerState.Live, c0.State);
        Assert.Equal("nvme-subsys0", c0.SubsystemName);
        Assert.Equal(1, c0.Cntlid);
        Assert.Equal(-1, c0.NumaNode);
        Assert.Equal(NvmeUuid.Parse("11111111-2222-3333-4444-555555555555"), c0.HostId);
        Assert.Equal(Path.Combine(_sys.Root, "dev", "nvme0"), c0.DevicePath);
    }

    [Fact]
    public void The_host_nqn_filters_only_when_given()
    {
        _sys.Controller(0, NqnA, 0).Controller(1, NqnA, 0, hostnqn: "nqn.2014-08.org.nvmexpress:uuid:other");
        Assert.Equal(2, Of(NqnA).Count);
        Assert.Equal(["nvme1"], Topology.ControllersOf(Nqn.Parse(NqnA), hostNqn: Nqn.Parse("nqn.2014-08.org.nvmexpress:uuid:other")).Select(c => c.Name));
    }

    [Fact]
    public void A_controller_in_the_reconnect_loop_is_found_with_its_state_and_without_src_addr()
    {
        // While connecting there is no live admin queue, so the kernel prints no src_addr.
        _sys.Controller(0, NqnA, 0, address: "traddr=127.0.0.1,trsvcid=4420", state: "connecting");
        var c = Topology.ControllersOf(Nqn.Parse(NqnA), Portal1).Single();
        Assert.Equal(ControllerState.Connecting, c.State);
        Assert.False(c.IsLive);
        Assert.Null(c.Address!.SrcAddr);
    }

    [Theory]
    [InlineData("deleting (no IO)", ControllerState.DeletingNoIo)]
    [InlineData("resetting", ControllerState.Resetting)]
    [InlineData("new", ControllerState.New)]
    [InlineData("dead", ControllerState.Dead)]
    [InlineData("unknown state", ControllerState.Unknown)]
    public void Every_state_name_parses(string text, ControllerState state)
    {
        _sys.Controller(0, NqnA, 0, state: text);
        var c = Topology.FindController("nvme0")!;
        Assert.Equal(state, c.State);
        Assert.Equal(text, c.StateName);
        Assert.Equal("nvme-subsys0", c.SubsystemName); // found by which subsystem links to it
    }

    [Fact]
    public void A_missing_controller_is_null_and_a_bad_name_is_an_error()
    {
        Assert.Null(Topology.FindController("nvme9"));
        Assert.Throws<ArgumentException>(() => Topology.FindController("nvme0n1"));
    }

    [Fact]
    public void A_namespace_is_found_by_uuid_nguid_and_nsid_as_the_multipath_head_with_its_paths()
    {
        _sys.Controller(0, NqnA, 0).Controller(1, NqnA, 0, address: "traddr=127.0.0.2,trsvcid=4420")
            .Head(0, 1, 1, UuidA1, NguidA1, [(0, "optimized"), (1, "non-optimized")]);
        var controllers = Of(NqnA);
        foreach (var selector in new[] { NamespaceSelector.ByUuid(NvmeUuid.Parse(UuidA1)), NamespaceSelector.ByNguid(Nguid.Parse(NguidA1)), NamespaceSelector.ByNsid(new NamespaceId(1)) })
        {
            var ns = Topology.FindNamespace(controllers, selector);
            Assert.NotNull(ns);
            Assert.Equal("nvme0n1", ns.Name);
            Assert.Equal(Path.Combine(_sys.Root, "dev", "nvme0n1"), ns.DevicePath);
            Assert.True(ns.IsMultipathHead);
            Assert.Equal("nvme-subsys0", ns.SubsystemName);
            Assert.Equal(NvmeUuid.Parse(UuidA1), ns.Uuid);
            Assert.Equal(Nguid.Parse(NguidA1), ns.Nguid);
            Assert.Equal(32768L * 512, ns.SizeBytes);
            Assert.Equal([new NamespacePath("nvme0c0n1", "nvme0", "optimized"), new NamespacePath("nvme0c1n1", "nvme1", "non-optimized")], ns.Paths);
            Assert.Equal(AnaState.NonOptimized, ns.Paths[1].AnaState);
            Assert.Equal(["nvme0", "nvme1"], ns.ControllerNames);
        }
        Assert.Null(Topology.FindNamespace(controllers, NamespaceSelector.ByNsid(new NamespaceId(2))));
        Assert.Null(Topology.FindNamespace(controllers, NamespaceSelector.ByUuid(NvmeUuid.Parse(UuidB1))));
    }

    [Fact]
    public void Another_targets_namespace_with_the_same_nsid_is_never_chosen()
    {
        _sys.Controller(0, NqnA, 0).Controller(1, NqnB, 1)
            .Head(0, 1, 1, UuidA1, null, [(0, "optimized")])
            .Head(1, 1, 1, UuidB1, null, [(1, "optimized")]);
        Assert.Equal("nvme1n1", Topology.FindNamespace(Of(NqnB), NamespaceSelector.ByNsid(new NamespaceId(1)))!.Name);
        Assert.Equal("nvme0n1", Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByNsid(new NamespaceId(1)))!.Name);
        // B's uuid is not visible through A's controllers, even though it is on the host.
        Assert.Null(Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByUuid(NvmeUuid.Parse(UuidB1))));
    }

    [Fact]
    public void The_device_name_is_not_the_nsid()
    {
        // Heads are numbered in scan order (6.12 really named nsid 2 "nvme0n1").
        _sys.Controller(0, NqnA, 0)
            .Head(0, 1, 2, "0a1b2c3d-0000-4000-8000-0000000000a2", null, [(0, "optimized")])
            .Head(0, 2, 1, UuidA1, null, [(0, "optimized")]);
        Assert.Equal("nvme0n2", Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByNsid(new NamespaceId(1)))!.Name);
        Assert.Equal("nvme0n1", Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByNsid(new NamespaceId(2)))!.Name);
    }

    [Fact]
    public void A_namespace_without_uuid_is_found_by_nguid_and_by_the_nguid_the_kernel_shows_as_uuid()
    {
        _sys.Controller(0, NqnA, 0).Head(0, 1, 1, uuid: null, nguid: NguidA1, [(0, "optimized")]);
        var byNguid = Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByNguid(Nguid.Parse(NguidA1)))!;
        Assert.Null(byNguid.Uuid); // the model reports the truth (wwid is eui.), not the kernel's fallback
        Assert.Equal(Nguid.Parse(NguidA1), byNguid.Nguid);
        Assert.Equal("eui.a1a1a1a10000400080000000000000a1", byNguid.Wwid);
        Assert.Equal("nvme0n1", Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByUuid(NvmeUuid.Parse(NguidA1)))!.Name);
        Assert.Null(Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByUuid(NvmeUuid.Parse(UuidA1))));
    }

    [Fact]
    public void A_namespace_with_neither_uuid_nor_nguid_is_found_by_nsid_only()
    {
        _sys.Controller(0, NqnA, 0).Head(0, 1, 5, null, null, [(0, "optimized")]);
        var ns = Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByNsid(new NamespaceId(5)))!;
        Assert.Null(ns.Uuid);
        Assert.Null(ns.Nguid);
        Assert.StartsWith("nvme.", ns.Wwid);
    }

    [Fact]
    public void Without_multipath_each_controller_has_its_own_device_and_a_live_one_is_chosen()
    {
        // nvme_core.multipath=N: nvme<ctrl>n<ns> under each controller, no head, no hidden paths.
        _sys.MultipathParameter("N")
            .Controller(0, NqnA, 0, state: "connecting")
            .Controller(1, NqnA, 0, address: "traddr=127.0.0.2,trsvcid=4420")
            .Plain(0, "nvme0n1", 1, UuidA1, null)
            .Plain(1, "nvme1n1", 1, UuidA1, null);
        var ns = Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByUuid(NvmeUuid.Parse(UuidA1)))!;
        Assert.Equal("nvme1n1", ns.Name);
        Assert.False(ns.IsMultipathHead);
        Assert.Null(ns.SubsystemName);
        Assert.Empty(ns.Paths);
        Assert.Equal(["nvme1"], ns.ControllerNames);
        Assert.Equal(2048L * 512, ns.SizeBytes);
        Assert.False(Topology.IsNativeMultipathEnabled());
    }

    [Fact]
    public void A_head_whose_paths_are_all_inaccessible_does_not_exist_yet()
    {
        _sys.Controller(0, NqnA, 0).Head(0, 1, 1, UuidA1, null, [(0, "inaccessible")], withHead: false);
        Assert.Null(Topology.FindNamespace(Of(NqnA), NamespaceSelector.ByNsid(new NamespaceId(1))));
        string seen = Topology.DescribeNamespaces(Of(NqnA));
        Assert.Equal("nvme0 live; namespaces: nvme0n1 (no block device yet; path ANA inaccessible)", seen);
    }

    [Fact]
    public void Controllers_of_two_targets_sharing_a_uuid_are_refused_instead_of_guessed()
    {
        _sys.Controller(0, NqnA, 0).Controller(1, NqnB, 1)
            .Head(0, 1, 1, UuidA1, null, [(0, "optimized")])
            .Head(1, 1, 1, UuidA1, null, [(1, "optimized")]);
        var all = Of(NqnA).Concat(Of(NqnB)).ToList();
        var e = Assert.Throws<NvmeNativeException>(() => Topology.FindNamespace(all, NamespaceSelector.ByUuid(NvmeUuid.Parse(UuidA1))));
        Assert.Contains("nvme0n1, nvme1n1", e.Message);
    }

    [Fact]
    public void The_snapshot_has_every_subsystem_controller_and_namespace_and_unlinked_controllers()
    {
        _sys.MultipathParameter("Y")
            .Controller(0, NqnA, 0).Controller(1, NqnA, 0, address: "traddr=127.0.0.2,trsvcid=4420")
            .Controller(2, NqnB, 2)
            .Controller(3, "nqn.2024-01.com.example:being-created", subsystem: null, state: "new", address: "")
            .Head(0, 1, 1, UuidA1, NguidA1, [(0, "optimized"), (1, "optimized")])
            .Head(0, 2, 2, "0a1b2c3d-0000-4000-8000-0000000000a2", null, [(0, "optimized"), (1, "optimized")])
            .Head(2, 1, 1, UuidB1, null, [(2, "optimized")]);
        var host = Topology.Snapshot();
        Assert.Equal(["nvme-subsys0", "nvme-subsys2"], host.Subsystems.Select(s => s.Name));
        Assert.Equal(["nvme0", "nvme1", "nvme2", "nvme3"], host.Controllers.Select(c => c.Name));
        var a = host.Subsystems[0];
        Assert.Equal(NqnA, a.Nqn);
        Assert.Equal("numa", a.IoPolicy);
        Assert.Equal("nvm", a.SubsystemType);
        Assert.Equal(["nvme0", "nvme1"], a.Controllers.Select(c => c.Name));
        Assert.Equal(["nvme0n1", "nvme0n2"], a.Namespaces.Select(n => n.Name));
        Assert.Equal(2, a.Namespaces[0].Paths.Count);
        Assert.Equal(["nvme2n1"], host.Subsystems[1].Namespaces.Select(n => n.Name));
        var unlinked = host.Controllers[3];
        Assert.Null(unlinked.SubsystemName);
        Assert.Null(unlinked.Address);
        Assert.Equal(ControllerState.New, unlinked.State);
        Assert.True(Topology.IsNativeMultipathEnabled());
    }

    [Fact]
    public void An_empty_host_has_nothing_and_no_multipath_parameter()
    {
        var host = Topology.Snapshot();
        Assert.Empty(host.Subsystems);
        Assert.Empty(host.Controllers);
        Assert.Null(Topology.IsNativeMultipathEnabled());
        Assert.Empty(Of(NqnA));
    }

    [Fact]
    public void A_tree_without_nvme_classes_at_all_reads_as_empty()
    {
        var t = new NvmeTopology(KernelPaths.UnderRoot(Path.Combine(_sys.Root, "nowhere")));
        Assert.Empty(t.Snapshot().Controllers);
        Assert.Empty(t.ControllersOf(Nqn.Parse(NqnA)));
    }

    [Fact]
    public void Selectors_pick_the_strongest_identifier_given()
    {
        NvmeUuid u = NvmeUuid.Parse(UuidA1);
        Nguid g = Nguid.Parse(NguidA1);
        var one = new NamespaceId(1);
        Assert.Equal(NamespaceSelector.ByUuid(u), NamespaceSelector.FromIdentifiers(u, g, one));
        Assert.Equal(NamespaceSelector.ByNguid(g), NamespaceSelector.FromIdentifiers(null, g, one));
        Assert.Equal(NamespaceSelector.ByNsid(one), NamespaceSelector.FromIdentifiers(null, null, one));
        Assert.Equal("nsid 1", NamespaceSelector.ByNsid(one).ToString());
        Assert.Null(NamespaceSelector.FromIdentifiers(null, null, null));
        Assert.Equal("uuid 0a1b2c3d-0000-4000-8000-0000000000a1", NamespaceSelector.ByUuid(u).ToString());
        Assert.Throws<ArgumentException>(() => NamespaceSelector.ByUuid(default));
        Assert.Throws<ArgumentException>(() => NamespaceSelector.ByNguid(default));
        Assert.Throws<ArgumentException>(() => NamespaceSelector.ByNsid(default));
    }
}
