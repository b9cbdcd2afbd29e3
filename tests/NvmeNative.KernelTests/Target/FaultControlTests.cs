using System.Net;
using NvmeNative.Nvme;
using NvmeNative.Target;

namespace NvmeNative.KernelTests.Target;

/// <summary>
/// The fault controls as a connected host sees them: a subsystem unlinked from its port is a dead path
/// (the controller leaves live) and re-linking heals it; a disabled namespace disappears from the host and
/// comes back when enabled; a grown namespace grows on the host.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class FaultControlTests(ITestOutputHelper output)
{
    // TCG is slow (~40x for JIT-heavy code); these bound waits for events that normally take < 2 s.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Unlinking_the_subsystem_from_its_port_takes_the_controller_out_of_live_and_relinking_heals_it()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var rig = new NvmetTarget();
        var subsystem = rig.CreateTestSubsystem("deadpath");
        subsystem.AddFileNamespace(4 << 20);
        var port = rig.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        subsystem.AllowHost(TestHostIdentity.HostNqn);
        // reconnect every second while the path is dead; give up only long after the test's deadline.
        using var controller = RawFabrics.Connect(RawFabrics.TcpOptions(port, subsystem, ",reconnect_delay=1,ctrl_loss_tmo=600"), out _);
        Assert.Equal("live", controller.State);

        port.Unlink(subsystem);
        Assert.False(port.IsLinked(subsystem));
        SysfsWait.Until(() => controller.State != "live", Deadline, $"{controller.Name} leaving live", () => controller.State);
        output.WriteLine($"after unlink: {controller.State}");
        Assert.Contains(controller.State, new[] { "resetting", "connecting" });

        using var watch = new UeventWatch();
        port.Link(subsystem);
        bool Connected(Uevent e) =>
            e.Action == "change" && e["NVME_EVENT"] == "connected" && e.DevPath.EndsWith($"/{controller.Name}", StringComparison.Ordinal);
        if (KernelFacts.AnnouncesReconnects)
        {
            watch.WaitFor(Connected, Deadline, $"{controller.Name} reconnecting");
        }
        else
        {
            // Before 5.18 nothing announces a reconnect: the state is all there is, and no connected event comes.
            SysfsWait.Until(() => controller.State == "live", Deadline, $"{controller.Name} live again", () => controller.State);
            Assert.DoesNotContain(watch.ReceivedNow(), Connected);
        }
        Assert.Equal("live", controller.State);
    }

    [Fact]
    public void A_disabled_namespace_disappears_from_the_host_and_an_enabled_one_comes_back()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var rig = new NvmetTarget();
        var subsystem = rig.CreateTestSubsystem("nsfault");
        var keep = subsystem.AddFileNamespace(4 << 20); // a second namespace keeps the controller's scan busy with something real
        var ns = subsystem.AddFileNamespace(8 << 20, new NamespaceOptions { Uuid = Guid.NewGuid(), Nguid = Guid.NewGuid() });
        var port = rig.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        subsystem.AllowHost(TestHostIdentity.HostNqn);

        using var added = new UeventWatch();
        using var controller = RawFabrics.Connect(RawFabrics.TcpOptions(port, subsystem), out _);
        string disk = HostNamespaces.WaitForDisk(added, ns.Uuid, Deadline);
        output.WriteLine($"{ns} is {disk}");
        Assert.Equal(ns.Nsid.ToString(), File.ReadAllText($"/sys/block/{disk}/nsid").Trim());
        Assert.Equal(ns.Nguid, Guid.Parse(File.ReadAllText($"/sys/block/{disk}/nguid").Trim()));

        using (var removed = new UeventWatch())
        {
            ns.Disable(); // nvmet sends a Namespace Attribute Changed AEN; the host rescans and drops the disk
            removed.WaitFor(e => e.Action == "remove" && e["DEVNAME"] == disk, Deadline, $"{disk} removal");
        }
        Assert.Null(HostNamespaces.DiskWithUuid(ns.Uuid));
        Assert.NotNull(HostNamespaces.DiskWithUuid(keep.Uuid));
        Assert.Equal("live", controller.State);

        using (var back = new UeventWatch())
        {
            ns.Enable();
            disk = HostNamespaces.WaitForDisk(back, ns.Uuid, Deadline);
        }
        Assert.Equal(8 << 20, HostNamespaces.SizeBytes(disk));
    }

    [Fact]
    public void Resizing_a_namespace_grows_the_hosts_disk()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var rig = new NvmetTarget();
        var (subsystem, ns, port) = rig.CreateFileExport(16 << 20, allowedHostNqn: TestHostIdentity.HostNqn, label: "resize");

        using var watch = new UeventWatch();
        using var controller = RawFabrics.Connect(RawFabrics.TcpOptions(port, subsystem), out _);
        string disk = HostNamespaces.WaitForDisk(watch, ns.Uuid, Deadline);
        Assert.Equal(16 << 20, HostNamespaces.SizeBytes(disk));

        ns.Resize(48 << 20);
        Assert.Equal(48 << 20, new FileInfo(ns.DevicePath).Length);
        // revalidate_size → AEN → rescan → set_capacity_and_notify: a "change" uevent with RESIZE=1.
        watch.WaitFor(e => e.Action == "change" && e["DEVNAME"] == disk && e["RESIZE"] == "1", Deadline, $"{disk} resize");
        Assert.Equal(48 << 20, HostNamespaces.SizeBytes(disk));
    }
}
