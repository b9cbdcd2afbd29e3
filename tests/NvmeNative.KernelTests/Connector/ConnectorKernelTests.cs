using System.Net;
using NvmeNative.Connector;
using NvmeNative.Fabrics;
using NvmeNative.KernelTests.Target;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// The os-brick connector's behaviour against real NVMe/TCP loopback targets: every properties shape attaches
/// the namespace whose uuid the target set, detach deletes only what is no longer shared, and failures leave
/// nothing behind.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class ConnectorKernelTests
{
    private const long Size = 16 << 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewFormat(NvmetExport e, string identifiers, params NvmetPort[] ports) =>
        $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", {{identifiers}}"portals": [{{string.Join(", ", (ports.Length == 0 ? [e.Port] : ports).Select(p => $"[\"{p.TrAddr}\", {p.TrSvcId}, \"tcp\"]"))}}]}""";

    private static string UuidOf(string device) =>
        File.ReadAllText($"/sys/class/block/{Path.GetFileName(device)}/uuid").Trim();

    private static void Requirements()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
    }

    private static IReadOnlyList<NvmeController> ControllersOf(string nqn) => new NvmeTopology().ControllersOf(Nqn.Parse(nqn));

    [Fact]
    public void Each_properties_shape_attaches_the_namespace_the_target_set_and_detach_removes_the_controller()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var nguid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid, Nguid = nguid });
        var connector = new NvmeOfConnector();
        string nsid = e.Namespace.Nsid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] shapes =
        [
            NewFormat(e, $"\"vol_uuid\": \"{uuid}\", "),
            NewFormat(e, $"\"volume_nguid\": \"{nguid:N}\", "),
            NewFormat(e, $"\"ns_id\": \"{nsid}\", "),
            $$"""{"nqn": "{{e.Subsystem.Nqn}}", "transport_type": "tcp", "target_portal": "{{e.Port.TrAddr}}", "target_port": {{e.Port.TrSvcId}}, "ns_id": {{nsid}}}""",
            $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "uuid": "{{uuid.ToString().ToUpperInvariant()}}", "portals": [{"address": "{{e.Port.TrAddr}}", "port": "{{e.Port.TrSvcId}}", "transport": "TCP"}]}""",
        ];
        foreach (string json in shapes)
        {
            var props = ConnectionProperties.Parse(json);
            var volume = connector.Connect(props, Ct);
            try
            {
                Assert.Equal("block", volume.Type);
                Assert.Equal(uuid.ToString(), UuidOf(volume.Path));
                Assert.Single(volume.CreatedControllers);
                Assert.Equal([volume.Path], connector.GetVolumePaths(props, cancellationToken: TestContext.Current.CancellationToken));
            }
            finally
            {
                var detached = connector.Disconnect(props, cancellationToken: Ct);
                Assert.Equal(volume.CreatedControllers, detached.DeletedControllers);
            }
            Assert.Empty(ControllersOf(e.Subsystem.Nqn));
        }
    }

    [Fact]
    public void Two_namespaces_on_one_subsystem_detaching_one_keeps_the_other_usable()
    {
        Requirements();
        using var target = new NvmetTarget();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = first });
        e.Subsystem.AddFileNamespace(Size, new NamespaceOptions { Uuid = second });
        var connector = new NvmeOfConnector();
        var a = ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{first}\", "));
        var b = ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{second}\", "));
        var va = connector.Connect(a, Ct);
        var vb = connector.Connect(b, Ct);
        Assert.Equal(va.CreatedControllers, vb.ReusedControllers); // one controller for both volumes
        Assert.Equal(second.ToString(), UuidOf(vb.Path));

        var detachedA = connector.Disconnect(a, cancellationToken: Ct);
        Assert.Empty(detachedA.DeletedControllers);
        Assert.Equal(va.CreatedControllers, detachedA.KeptControllers);
        // The other volume is still usable: read its first block.
        using (var fs = new FileStream(vb.Path, FileMode.Open, FileAccess.Read))
            Assert.Equal(4096, fs.Read(new byte[4096], 0, 4096));

        var detachedB = connector.Disconnect(b, cancellationToken: Ct);
        Assert.Equal(va.CreatedControllers, detachedB.DeletedControllers);
        Assert.Empty(ControllersOf(e.Subsystem.Nqn));
    }

    [Fact]
    public void Two_portals_give_two_controllers_and_one_multipath_head()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid });
        var second = target.CreateTcpPort(IPAddress.Parse("127.0.0.2"));
        second.Link(e.Subsystem);
        var props = ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{uuid}\", ", e.Port, second));
        var connector = new NvmeOfConnector();
        var volume = connector.Connect(props, Ct);
        try
        {
            Assert.Equal(2, volume.CreatedControllers.Count);
            // Connect returns only once both controllers present a path (the second one comes with no uevent).
            Assert.Equal(volume.CreatedControllers.Order(), volume.PathControllers.Order());
            var topology = new NvmeTopology();
            var controllers = topology.ControllersOf(Nqn.Parse(e.Subsystem.Nqn));
            var ns = topology.FindNamespace(controllers, NamespaceSelector.ByUuid(NvmeUuid.Parse(uuid.ToString())));
            Assert.NotNull(ns);
            Assert.Equal(volume.Path, ns.DevicePath);
            Assert.True(ns.IsMultipathHead);
            Assert.Equal(2, ns.Paths.Count);
        }
        finally
        {
            connector.Disconnect(props, cancellationToken: Ct);
        }
        Assert.Empty(ControllersOf(e.Subsystem.Nqn));
    }

    [Fact]
    public void Nothing_listening_fails_fast_with_its_meaning_and_leaves_nothing()
    {
        Requirements();
        using var target = new NvmetTarget();
        var e = target.CreateFileExport(Size);
        var props = ConnectionProperties.Parse(
            $$"""{"target_nqn": "{{e.Subsystem.Nqn}}", "ns_id": 1, "portals": [["127.0.0.1", {{e.Port.TrSvcId + 1}}, "tcp"]]}""");
        var failure = Assert.Throws<AttachFailedException>(() => new NvmeOfConnector().Connect(props, Ct));
        var cause = Assert.IsType<FabricsConnectException>(failure.InnerException);
        Assert.Equal(ConnectFailure.ConnectionRefused, cause.Failure);
        Assert.Empty(ControllersOf(e.Subsystem.Nqn));
    }

    [Fact]
    public void A_second_portal_that_fails_rolls_back_the_controller_the_first_created()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid });
        // The namespace uuid asked for does not exist: the first portal connects, the wait times out, and the
        // controller it created must be deleted again.
        var props = ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{Guid.NewGuid()}\", "));
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { DeviceTimeout = TimeSpan.FromSeconds(3) });
        var failure = Assert.Throws<AttachFailedException>(() => connector.Connect(props, Ct));
        Assert.Single(failure.RolledBack);
        Assert.Empty(failure.RollbackFailures);
        Assert.Empty(ControllersOf(e.Subsystem.Nqn));
    }

    [Fact]
    public void An_existing_controller_of_another_user_is_reused_and_never_deleted_by_a_failed_attach()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid });
        var connector = new NvmeOfConnector(new NvmeOfConnectorOptions { DeviceTimeout = TimeSpan.FromSeconds(3) });
        var good = connector.Connect(ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{uuid}\", ")), Ct);
        try
        {
            var wrong = ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{Guid.NewGuid()}\", "));
            var failure = Assert.Throws<AttachFailedException>(() => connector.Connect(wrong, Ct));
            Assert.Empty(failure.RolledBack); // it created nothing, so it deletes nothing
            Assert.Equal(good.CreatedControllers, ControllersOf(e.Subsystem.Nqn).Select(c => c.Name));
        }
        finally
        {
            connector.Disconnect(ConnectionProperties.Parse(NewFormat(e, $"\"vol_uuid\": \"{uuid}\", ")), cancellationToken: Ct);
        }
    }

    [Fact]
    public void Disconnecting_a_volume_that_is_already_gone_succeeds()
    {
        Requirements();
        using var target = new NvmetTarget();
        var e = target.CreateFileExport(Size);
        var result = new NvmeOfConnector().Disconnect(ConnectionProperties.Parse(NewFormat(e, "\"ns_id\": 1, ")), cancellationToken: Ct);
        Assert.Null(result.Path);
        Assert.Empty(result.DeletedControllers);
    }
}
