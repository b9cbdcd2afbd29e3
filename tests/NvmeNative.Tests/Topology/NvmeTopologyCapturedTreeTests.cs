using System.Text.Json;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Topology;

/// <summary>
/// The model over sysfs trees captured from real 6.1 and 6.12 kernels (Fixtures/sysfs/README.md). The
/// expectations come from how capture.sh set the targets up, not from the model; nvme-cli's
/// <c>list-subsys</c> of the same moment is the second opinion.
/// </summary>
public sealed class NvmeTopologyCapturedTreeTests
{
    // From capture.sh.
    private const string HostId = "6a0a1a3b-5f0e-4c1d-9e2f-00000000c0de";
    private const string HostNqn = "nqn.2014-08.org.nvmexpress:uuid:" + HostId;
    private static readonly Nqn NqnA = Nqn.Parse("nqn.2014-08.io.nvmenative:fixture-a");
    private static readonly Nqn NqnB = Nqn.Parse("nqn.2014-08.io.nvmenative:fixture-b");
    private static readonly NvmeUuid A1Uuid = NvmeUuid.Parse("0a1b2c3d-0000-4000-8000-0000000000a1");
    private static readonly Nguid A1Nguid = Nguid.Parse("a1a1a1a1-0000-4000-8000-0000000000a1");
    private static readonly NvmeUuid A2Uuid = NvmeUuid.Parse("0a1b2c3d-0000-4000-8000-0000000000a2");
    private static readonly Nguid A2Nguid = Nguid.Parse("a2a2a2a2-0000-4000-8000-0000000000a2");
    private static readonly NvmeUuid B1Uuid = NvmeUuid.Parse("0b1b2c3d-0000-4000-8000-0000000000b1");
    private static readonly Nguid B2Nguid = Nguid.Parse("b2b2b2b2-0000-4000-8000-0000000000b2");
    private static readonly Portal Portal1 = new("127.0.0.1", 4420, Transport.Tcp);
    private static readonly Portal Portal2 = new("127.0.0.2", 4420, Transport.Tcp);

    public static TheoryData<string> OnePortal => ["6.1-one-portal", "6.12-one-portal"];

    public static TheoryData<string> TwoPortals => ["6.1-two-portals", "6.12-two-portals"];

    public static TheoryData<string> All => ["6.1-one-portal", "6.12-one-portal", "6.1-two-portals", "6.12-two-portals"];

    private static string Dir(string fixture) => Path.Combine(RepoPaths.Fixtures, "sysfs", fixture);

    private static NvmeTopology Open(string fixture)
    {
        Assert.True(Directory.Exists(Dir(fixture)), $"fixture {fixture} missing");
        return new NvmeTopology(KernelPaths.UnderRoot(Dir(fixture)));
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Native_multipath_is_on_as_the_captured_multipath_heads_show(string fixture)
    {
        // The kernel makes the shared head nvmeSnH under nvme-subsysS only with native multipath on, so the
        // captured heads are the independent fact the parameter's reading must agree with.
        string subsystems = Path.Combine(Dir(fixture), "sys/devices/virtual/nvme-subsystem");
        var heads = Directory.EnumerateDirectories(subsystems, "nvme-subsys*")
            .SelectMany(s => Directory.EnumerateDirectories(s, "nvme*n*"))
            .Select(Path.GetFileName)
            .Where(name => SysfsNames.TryNamespace(name!, out _, out _))
            .ToList();
        Assert.NotEmpty(heads);
        Assert.True(Open(fixture).IsNativeMultipathEnabled());
    }

    [Theory]
    [MemberData(nameof(OnePortal))]
    public void One_portal_gives_one_live_controller_and_two_heads_with_one_path_each(string fixture)
    {
        var t = Open(fixture);
        var c = Assert.Single(t.ControllersOf(NqnA));
        AssertController(c, Portal1);
        Assert.Equal(c.Name, Assert.Single(t.ControllersOf(NqnA, Portal1)).Name);
        Assert.Empty(t.ControllersOf(NqnA, Portal2));
        Assert.Empty(t.ControllersOf(NqnB));

        AssertHead(t.FindNamespace([c], NamespaceSelector.ByUuid(A1Uuid)), 1, A1Uuid, A1Nguid, [c.Name]);
        AssertHead(t.FindNamespace([c], NamespaceSelector.ByNguid(A2Nguid)), 2, A2Uuid, A2Nguid, [c.Name]);
        Assert.Equal(2, t.NamespacesOf([c]).Count);
    }

    [Theory]
    [MemberData(nameof(TwoPortals))]
    public void Two_portals_give_two_controllers_and_one_head_per_namespace_with_two_paths(string fixture)
    {
        var t = Open(fixture);
        var a = t.ControllersOf(NqnA);
        Assert.Equal(2, a.Count);
        var at1 = Assert.Single(t.ControllersOf(NqnA, Portal1));
        var at2 = Assert.Single(t.ControllersOf(NqnA, Portal2));
        AssertController(at1, Portal1);
        AssertController(at2, Portal2);
        Assert.Equal("127.0.0.1", at2.Address!.SrcAddr); // the kernel's source address, not the target's
        Assert.Equal(at1.SubsystemName, at2.SubsystemName);

        var names = new[] { at1.Name, at2.Name };
        var byUuid = AssertHead(t.FindNamespace(a, NamespaceSelector.ByUuid(A1Uuid)), 1, A1Uuid, A1Nguid, names);
        Assert.Equal(byUuid.Name, t.FindNamespace(a, NamespaceSelector.ByNguid(A1Nguid))!.Name);
        Assert.Equal(byUuid.Name, t.FindNamespace(a, NamespaceSelector.ByNsid(new NamespaceId(1)))!.Name);
        // One controller is enough to find the head, with both paths.
        Assert.Equal(byUuid.Name, t.FindNamespace([at2], NamespaceSelector.ByUuid(A1Uuid))!.Name);
        AssertHead(t.FindNamespace(a, NamespaceSelector.ByNsid(new NamespaceId(2))), 2, A2Uuid, A2Nguid, names);
    }

    [Theory]
    [MemberData(nameof(TwoPortals))]
    public void The_other_target_with_the_same_nsids_is_kept_apart(string fixture)
    {
        var t = Open(fixture);
        var a = t.ControllersOf(NqnA);
        var b = Assert.Single(t.ControllersOf(NqnB, Portal1));
        AssertController(b, Portal1);
        Assert.NotEqual(a[0].SubsystemName, b.SubsystemName);

        var aNs1 = t.FindNamespace(a, NamespaceSelector.ByNsid(new NamespaceId(1)))!;
        var bNs1 = AssertHead(t.FindNamespace([b], NamespaceSelector.ByNsid(new NamespaceId(1))), 1, B1Uuid, null, [b.Name]);
        Assert.NotEqual(aNs1.DevicePath, bNs1.DevicePath);
        Assert.Null(t.FindNamespace(a, NamespaceSelector.ByUuid(B1Uuid)));
        Assert.Null(t.FindNamespace([b], NamespaceSelector.ByUuid(A1Uuid)));

        // B's nsid 2 has an NGUID and no UUID: the kernel shows the NGUID as its uuid, wwid tells the truth.
        var b2 = AssertHead(t.FindNamespace([b], NamespaceSelector.ByNguid(B2Nguid)), 2, null, B2Nguid, [b.Name]);
        Assert.Equal("eui.b2b2b2b20000400080000000000000b2", b2.Wwid);
        Assert.Equal(b2.Name, t.FindNamespace([b], NamespaceSelector.ByUuid(new NvmeUuid(B2Nguid.Value)))!.Name);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void The_snapshot_agrees_with_nvme_list_subsys(string fixture)
    {
        var host = Open(fixture).Snapshot();
        using var oracle = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir(fixture), "oracle-list-subsys.json")));
        var hostEntry = Assert.Single(oracle.RootElement.EnumerateArray());
        Assert.Equal(HostNqn, hostEntry.GetProperty("HostNQN").GetString());
        var expected = hostEntry.GetProperty("Subsystems").EnumerateArray()
            .Select(s => (Name: s.GetProperty("Name").GetString(), Nqn: s.GetProperty("NQN").GetString(),
                Paths: s.GetProperty("Paths").EnumerateArray()
                    .Select(p => $"{p.GetProperty("Name").GetString()} {p.GetProperty("Transport").GetString()} {p.GetProperty("Address").GetString()} {p.GetProperty("State").GetString()}")
                    .Order().ToList()))
            .OrderBy(s => s.Name).ToList();
        var actual = host.Subsystems
            .Select(s => (Name: (string?)s.Name, s.Nqn,
                Paths: s.Controllers.Select(c => $"{c.Name} {c.TransportName} {c.Address!.Raw} {c.StateName}").Order().ToList()))
            .OrderBy(s => s.Name).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.Equal(expected[i].Nqn, actual[i].Nqn);
            Assert.Equal(expected[i].Paths, actual[i].Paths);
        }
        Assert.All(host.Subsystems, s => Assert.Equal("numa", s.IoPolicy));
        Assert.All(host.Subsystems, s => Assert.Equal(2, s.Namespaces.Count));
        Assert.Equal(host.Controllers.Count, host.Subsystems.Sum(s => s.Controllers.Count));
    }

    private static void AssertController(NvmeController c, Portal portal)
    {
        Assert.Equal(Transport.Tcp, c.Transport);
        Assert.Equal(ControllerState.Live, c.State);
        Assert.Equal(portal.Address, c.Address!.TrAddr);
        Assert.Equal("4420", c.Address.TrSvcId);
        Assert.Equal("127.0.0.1", c.Address.SrcAddr);
        Assert.Equal(HostNqn, c.HostNqn);
        Assert.Equal(NvmeUuid.Parse(HostId), c.HostId);
        Assert.NotNull(c.Cntlid);
        Assert.NotNull(c.SubsystemName);
        Assert.True(c.IsAt(portal));
    }

    private static NvmeNamespace AssertHead(NvmeNamespace? ns, uint nsid, NvmeUuid? uuid, Nguid? nguid, string[] controllers)
    {
        Assert.NotNull(ns);
        Assert.True(ns.IsMultipathHead);
        Assert.Equal(nsid, ns.Nsid.Value);
        Assert.Equal(uuid, ns.Uuid);
        Assert.Equal(nguid, ns.Nguid);
        Assert.Equal(16L << 20, ns.SizeBytes);
        Assert.True(SysfsNames.TryNamespace(ns.Name, out int s, out _));
        Assert.Equal($"nvme-subsys{s}", ns.SubsystemName);
        Assert.EndsWith("/dev/" + ns.Name, ns.DevicePath);
        Assert.Equal(controllers.Order(), ns.ControllerNames.Order());
        Assert.All(ns.Paths, p => Assert.Equal(AnaState.Optimized, p.AnaState));
        Assert.All(ns.Paths, p => Assert.True(SysfsNames.TryPath(p.Name, out int ps, out int pc, out _) && ps == s && $"nvme{pc}" == p.ControllerName));
        return ns;
    }
}
