using System.Net;
using System.Text.RegularExpressions;
using NvmeNative.Errors;
using NvmeNative.KernelTests.Target;
using NvmeNative.Target;

namespace NvmeNative.KernelTests.Fabrics;

/// <summary>
/// A connect through the interop/Kernel layer only: the option string written to /dev/nvme-fabrics in one
/// write, "instance=N,cntlid=M" read back, the controller checked in sysfs and against nvme-cli, then deleted.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class RawConnectTests(ITestOutputHelper output)
{
    [Fact]
    public void One_write_to_dev_nvme_fabrics_creates_a_controller_sysfs_and_nvme_cli_agree_on()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Requires.Tool("nvme");
        using var rig = new NvmetTarget();
        var subsystem = rig.CreateTestSubsystem("rawconnect");
        var ns = subsystem.AddFileNamespace(16 << 20);
        var port = rig.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        subsystem.AllowHost(TestHostIdentity.HostNqn);

        string options = RawFabrics.TcpOptions(port, subsystem);
        using var controller = RawFabrics.Connect(options, out string reply);
        output.WriteLine($"{options} -> {reply}");

        Assert.Matches(new Regex(@"^instance=\d+,cntlid=\d+$"), reply);
        Assert.Equal(subsystem.Nqn, controller.Attribute("subsysnqn"));
        Assert.Equal("tcp", controller.Attribute("transport"));
        Assert.Equal("live", controller.State);
        Assert.Equal(TestHostIdentity.HostNqn, controller.Attribute("hostnqn"));
        Assert.Equal(TestHostIdentity.HostId, controller.Attribute("hostid"));
        Assert.StartsWith($"traddr=127.0.0.1,trsvcid={port.TrSvcId}", controller.Attribute("address"));
        Assert.Equal(controller.CntlId.ToString(), controller.Attribute("cntlid"));

        string listed = Tools.Check("nvme", "list-subsys");
        output.WriteLine(listed);
        Assert.Contains($"NQN={subsystem.Nqn}", listed);
        Assert.Matches(new Regex($@"\b{controller.Name} tcp traddr=127\.0\.0\.1,trsvcid={port.TrSvcId}\b.* live"), listed);

        controller.Delete();
        Assert.False(Directory.Exists(controller.SysDir));
        Assert.DoesNotContain(subsystem.Nqn, Tools.Check("nvme", "list-subsys"));
        Assert.Null(HostNamespaces.DiskWithUuid(ns.Uuid));
    }

    [Fact]
    public void A_host_that_is_not_allowed_is_refused_with_eio()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        using var rig = new NvmetTarget();
        var subsystem = rig.CreateTestSubsystem("refused");
        subsystem.AddFileNamespace(4 << 20);
        var port = rig.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        subsystem.AllowHost(NvmetNames.TestNqnPrefix + "someone-else"); // not us

        var e = Assert.Throws<NvmeNativeException>(() => RawFabrics.Connect(RawFabrics.TcpOptions(port, subsystem), out _).Dispose());
        Assert.Equal(Errno.EIO, e.Errno); // the target's Connect status: host not allowed (see reference §1.3)
        Assert.Equal(RawFabrics.Device, e.Path);
        Assert.Contains($"nqn={subsystem.Nqn}", e.ConnectString);
    }
}
