using System.Net;
using NvmeNative.Connector;
using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.Tests.Topology;

namespace NvmeNative.Tests.Connector;

/// <summary>
/// Host-name portals and extend against a fake sysfs tree: names are resolved before anything else and match
/// the controller of their address; extend finds its volume only among the target's controllers and says
/// why when it cannot go on. The kernel side (rescan, Identify, resize events) is proven in the lab.
/// </summary>
public sealed class ConnectorHostNameAndExtendTests : IDisposable
{
    private const string Nqn = "nqn.2024-01.com.example:vol";
    private const string Uuid = "9a0e1c39-1f22-4f0b-9d0f-6f4c1b9e2a10";
    private readonly FakeSysfs _sys = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _sys.Dispose();

    private NvmeOfConnector Connector(PortalResolver.Lookup? lookup = null) =>
        new(new NvmeOfConnectorOptions { Paths = _sys.Paths, DeviceTimeout = TimeSpan.FromSeconds(1) })
        {
            HostLookup = lookup ?? PortalResolver.SystemResolver,
        };

    private static ConnectionProperties Props(string address, string ids = $"\"vol_uuid\": \"{Uuid}\", ") =>
        ConnectionProperties.Parse($$"""{"target_nqn": "{{Nqn}}", {{ids}}"portals": [["{{address}}", 4420, "tcp"]]}""");

    private bool LockDirExists => Directory.Exists(_sys.Paths.Run);

    [Fact]
    public void A_localhost_portal_finds_the_volume_on_the_controller_connected_to_127_0_0_1()
    {
        _sys.Controller(0, Nqn, 0).Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        Assert.Equal([Path.Combine(_sys.Root, "dev", "nvme0n1")], Connector().GetVolumePaths(Props("localhost"), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_name_resolving_to_a_non_canonical_ipv6_form_matches_the_controller_the_kernel_prints()
    {
        _sys.Controller(0, Nqn, 0, address: "traddr=fd00::10,trsvcid=4420,src_addr=fd00::1").Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        var connector = Connector((_, _) => [IPAddress.Parse("fd00:0:0:0:0:0:0:10")]);
        Assert.Single(connector.GetVolumePaths(Props("storage.example"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Single(Connector().GetVolumePaths(Props("[fd00:0::10]"), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Empty(Connector((_, _) => [IPAddress.Parse("fd00::11")]).GetVolumePaths(Props("storage.example"), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void An_unresolvable_portal_fails_every_operation_as_invalid_input_before_the_lock()
    {
        var props = Props("no-such-host.invalid");
        var connector = Connector();
        foreach (Action call in new Action[]
                 {
                     () => connector.Connect(props, Ct),
                     () => connector.Disconnect(props, cancellationToken: Ct),
                     () => connector.GetVolumePaths(props, cancellationToken: TestContext.Current.CancellationToken),
                     () => connector.Extend(props, Ct),
                 })
        {
            var e = Assert.Throws<InvalidInputException>(call);
            Assert.Equal("portals[0][0]", e.KeyPath);
            Assert.Contains("no-such-host.invalid", e.Message);
        }
        Assert.False(LockDirExists, "no lock file may be created for input that cannot be used");
    }

    [Fact]
    public void Portals_that_resolve_to_the_same_address_are_one_portal()
    {
        _sys.Controller(0, Nqn, 0).Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        var props = ConnectionProperties.Parse(
            $$"""{"target_nqn": "{{Nqn}}", "vol_uuid": "{{Uuid}}", "portals": [["localhost", 4420, "tcp"], ["127.0.0.1", 4420, "tcp"]]}""");
        Assert.Single(Connector().GetVolumePaths(props, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Extend_needs_a_namespace_identifier_or_a_device_path()
    {
        var e = Assert.Throws<InvalidInputException>(() => Connector().Extend(Props("127.0.0.1", ids: ""), Ct));
        Assert.Contains("no device_path", e.Message);
        Assert.False(LockDirExists);
    }

    [Fact]
    public void Extend_of_a_volume_that_is_not_attached_is_not_found()
    {
        var e = Assert.Throws<VolumeNotFoundException>(() => Connector().Extend(Props("127.0.0.1"), Ct));
        Assert.Contains("none is connected", e.Message);
    }

    [Fact]
    public void Extend_looks_only_among_the_targets_controllers()
    {
        // The same uuid behind another portal of the subsystem is not this target's device.
        _sys.Controller(0, Nqn, 0, address: "traddr=127.0.0.2,trsvcid=4420").Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        Assert.Throws<VolumeNotFoundException>(() => Connector().Extend(Props("127.0.0.1"), Ct));
    }

    [Fact]
    public void Extend_with_no_live_controller_says_the_size_cannot_be_read()
    {
        _sys.Controller(0, Nqn, 0, state: "connecting").Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        var e = Assert.Throws<NvmeNativeException>(() => Connector().Extend(Props("127.0.0.1"), Ct));
        Assert.Contains("no controller that reaches nvme0n1 is live", e.Message);
    }

    [Fact]
    public void Extend_reports_each_controller_it_could_not_rescan()
    {
        // Live in sysfs, but there is no /dev/nvme0 under the fake root: the rescan ioctl cannot be issued.
        _sys.Controller(0, Nqn, 0).Head(0, 1, 1, Uuid, null, [(0, "optimized")]);
        var e = Assert.Throws<NvmeNativeException>(() => Connector().Extend(Props("localhost"), Ct));
        Assert.Contains("no controller could be rescanned: nvme0: ENOENT", e.Message);
    }

    [Fact]
    public void Extend_finds_a_volume_by_its_device_path_when_it_has_no_identifier()
    {
        _sys.Controller(0, Nqn, 0).Plain(0, "nvme0n1", 1, null, null);
        string device = Path.Combine(_sys.Root, "dev", "nvme0n1");
        var props = ConnectionProperties.Parse(
            $$"""{"target_nqn": "{{Nqn}}", "device_path": "{{device}}", "portals": [["127.0.0.1", 4420, "tcp"]]}""");
        var e = Assert.Throws<NvmeNativeException>(() => Connector().Extend(props, Ct));
        Assert.Contains("nvme0: ENOENT", e.Message); // it got as far as the rescan of the device's controller
        var other = ConnectionProperties.Parse(
            $$"""{"target_nqn": "{{Nqn}}", "device_path": "/dev/nvme9n9", "portals": [["127.0.0.1", 4420, "tcp"]]}""");
        Assert.Throws<VolumeNotFoundException>(() => Connector().Extend(other, Ct));
    }
}
