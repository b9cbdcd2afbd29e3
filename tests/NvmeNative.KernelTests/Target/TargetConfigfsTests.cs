using System.Net.Sockets;
using System.Net;
using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.Target;

namespace NvmeNative.KernelTests.Target;

/// <summary>
/// The Target API against the kernel's nvmet: objects appear in configfs with the attributes asked for,
/// and disposing the rig puts configfs back as it was, also when setup failed half-way.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class TargetConfigfsTests
{
    [Fact]
    public void Objects_appear_in_configfs_with_their_attributes_and_dispose_restores_the_previous_state()
    {
        Requires.Nvmet();
        var uuid = Guid.NewGuid();
        var nguid = Guid.NewGuid();
        string nqn = NvmetNames.NewTestNqn("configfs");
        var before = NvmetTree.Snapshot(nqn);
        string file;
        ushort portId;
        using (var rig = new NvmetTarget())
        {
            // 5.14 made attr_serial a string; 5.10's is a hexadecimal number, and a string serial is refused by name.
            string serial = KernelFacts.NvmetSerialIsString ? "NN0042" : "4e4e0042";
            if (!KernelFacts.NvmetSerialIsString)
            {
                var refused = Assert.Throws<NvmeNativeException>(() => rig.CreateSubsystem(nqn, new SubsystemOptions { Serial = "NN0042" }));
                Assert.Contains("hexadecimal", refused.Message);
                Assert.Equal(Errno.EINVAL, refused.Errno);
                Assert.Equal(before, NvmetTree.Snapshot(nqn)); // the subsystem's mkdir was undone
            }
            var subsystem = rig.CreateSubsystem(nqn, new SubsystemOptions { Serial = serial, Model = "NvmeNative test" });
            var ns = subsystem.AddFileNamespace(16 << 20, new NamespaceOptions { Uuid = uuid, Nguid = nguid });
            var port = rig.CreateTcpPort(IPAddress.Parse("127.0.0.2"));
            port.Link(subsystem);
            subsystem.AllowHost(TestHostIdentity.HostNqn);
            file = ns.DevicePath;
            portId = port.PortId;

            string s = $"subsystems/{nqn}";
            Assert.Equal("0", NvmetTree.Read($"{s}/attr_allow_any_host"));
            // nvmet shows the serial space-padded to the 20 bytes of the Identify Controller SN field (5.10: the number, %llx).
            Assert.Equal(KernelFacts.NvmetSerialIsString ? serial.PadRight(20) : serial, NvmetTree.Read($"{s}/attr_serial"));
            Assert.Equal("NvmeNative test", NvmetTree.Read($"{s}/attr_model"));
            Assert.Equal(file, NvmetTree.Read($"{s}/namespaces/1/device_path"));
            Assert.Equal(uuid.ToString(), NvmetTree.Read($"{s}/namespaces/1/device_uuid"));
            Assert.Equal(nguid.ToString(), NvmetTree.Read($"{s}/namespaces/1/device_nguid"));
            Assert.Equal("1", NvmetTree.Read($"{s}/namespaces/1/buffered_io"));
            Assert.Equal("1", NvmetTree.Read($"{s}/namespaces/1/enable"));
            Assert.Equal((uuid, nguid), (ns.Uuid, ns.Nguid));
            Assert.Equal(16 << 20, new FileInfo(file).Length);

            string p = $"ports/{port.PortId}";
            Assert.Equal("tcp", NvmetTree.Read($"{p}/addr_trtype"));
            Assert.Equal("ipv4", NvmetTree.Read($"{p}/addr_adrfam"));
            Assert.Equal("127.0.0.2", NvmetTree.Read($"{p}/addr_traddr"));
            Assert.Equal(port.TrSvcId.ToString(), NvmetTree.Read($"{p}/addr_trsvcid"));
            Assert.EndsWith($"subsystems/{nqn}", NvmetTree.LinkTarget($"{p}/subsystems/{nqn}"));
            Assert.EndsWith($"hosts/{TestHostIdentity.HostNqn}", NvmetTree.LinkTarget($"{s}/allowed_hosts/{TestHostIdentity.HostNqn}"));
            Assert.True(port.IsLinked(subsystem));

            // The link enabled the port: nvmet-tcp accepts TCP connections on 127.0.0.2 now.
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Connect(new IPEndPoint(port.Address, port.TrSvcId));
        }
        Assert.Equal(before, NvmetTree.Snapshot(nqn, $"ports/{portId}"));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void A_test_that_throws_mid_setup_still_leaves_configfs_as_it_was()
    {
        Requires.Nvmet();
        string nqn = NvmetNames.NewTestNqn("throws");
        var before = NvmetTree.Snapshot(nqn);
        string? file = null;
        ushort portId = 0;
        void FailingTest()
        {
            using var rig = new NvmetTarget();
            var subsystem = rig.CreateSubsystem(nqn);
            file = subsystem.AddFileNamespace(4 << 20).DevicePath;
            var port = rig.CreateTcpPort(IPAddress.Loopback);
            portId = port.PortId;
            port.Link(subsystem);
            subsystem.AllowHost(TestHostIdentity.HostNqn);
            throw new InvalidOperationException("the test failed here");
        }
        var e = Assert.Throws<InvalidOperationException>(FailingTest);
        Assert.Equal("the test failed here", e.Message);
        Assert.Equal(before, NvmetTree.Snapshot(nqn, $"ports/{portId}"));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Tmpfs_file_without_buffered_io_is_refused_before_linux_6_6_with_an_explained_einval_and_served_after()
    {
        Requires.Nvmet();
        Assert.SkipUnless(Directory.Exists("/dev/shm"), "needs /dev/shm (tmpfs)");
        // tmpfs gained O_DIRECT in Linux 6.6 ("shmem: add support for O_DIRECT"); before, nvmet's O_DIRECT open fails.
        string[] release = File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-');
        bool tmpfsHasDirectIo = new Version(int.Parse(release[0]), int.Parse(release[1])) >= new Version(6, 6);
        string nqn = NvmetNames.NewTestNqn("tmpfs");
        var before = NvmetTree.Snapshot(nqn);
        using (var rig = new NvmetTarget())
        {
            var subsystem = rig.CreateSubsystem(nqn);
            var port = rig.CreateTcpPort(IPAddress.Loopback);
            port.Link(subsystem);
            string file = Path.Combine("/dev/shm", $"{NvmetNames.BackingFilePrefix}{Guid.NewGuid():N}.img");
            string nsDir = $"{NvmetTree.Root}/subsystems/{nqn}/namespaces/1";
            var direct = new NamespaceOptions { BufferedIo = false };

            if (tmpfsHasDirectIo)
            {
                var ns = subsystem.AddFileNamespace(file, 4 << 20, direct);
                Assert.Equal(("1", "0"), (NvmetTree.Read($"subsystems/{nqn}/namespaces/1/enable"), NvmetTree.Read($"subsystems/{nqn}/namespaces/1/buffered_io")));
                ns.Remove();
            }
            else
            {
                var error = Assert.Throws<NvmeNativeException>(() => subsystem.AddFileNamespace(file, 4 << 20, direct));
                Assert.Equal(Errno.EINVAL, error.Errno);
                Assert.Equal($"{nsDir}/enable", error.Path);
                Assert.Contains("BufferedIo = true", error.Message);
            }
            Assert.False(Directory.Exists(nsDir)); // rolled back (or removed)
            Assert.False(File.Exists(file));

            // With buffered I/O (the default for files) every kernel serves it.
            var buffered = subsystem.AddFileNamespace(file, 4 << 20);
            Assert.Equal("1", NvmetTree.Read($"subsystems/{nqn}/namespaces/{buffered.Nsid}/enable"));
        }
        Assert.Equal(before, NvmetTree.Snapshot(nqn));
    }

    [Fact]
    public void Configfs_refusals_come_back_as_errno_with_the_path()
    {
        Requires.Nvmet();
        using var rig = new NvmetTarget();
        var subsystem = rig.CreateTestSubsystem("refusals");
        // A second rig cannot claim the same NQN: mkdir says EEXIST and the first rig's subsystem survives.
        using (var other = new NvmetTarget())
        {
            var e = Assert.Throws<NvmeNativeException>(() => other.CreateSubsystem(subsystem.Nqn));
            Assert.Equal(Errno.EEXIST, e.Errno);
            Assert.Equal(subsystem.ConfigPath, e.Path);
        }
        Assert.True(Directory.Exists(subsystem.ConfigPath));
        // nvmet refuses to enable a namespace whose device does not exist.
        var missing = Assert.Throws<NvmeNativeException>(() => subsystem.AddBlockDeviceNamespace("/dev/nvmenative-no-such-device"));
        Assert.NotNull(missing.Errno);
        Assert.EndsWith("/enable", missing.Path);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(subsystem.ConfigPath, "namespaces")));
    }

    [Fact]
    public void Leftovers_of_a_crashed_run_are_swept_by_prefix()
    {
        Requires.Nvmet();
        // A private prefix, so that the sweep cannot touch rigs of tests running at the same time.
        string prefix = $"{NvmetNames.TestNqnPrefix}sweep{Guid.NewGuid():N}"[..60] + "-";
        string nqn = prefix + "crashed";
        var before = NvmetTree.Snapshot(nqn);
        var crashed = new NvmetTarget(); // never disposed: the process "crashed"
        var subsystem = crashed.CreateSubsystem(nqn);
        var ns = subsystem.AddFileNamespace(4 << 20);
        var port = crashed.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        subsystem.AllowHost(prefix + "host");

        var report = NvmetTarget.RemoveLeftovers(nqnPrefix: prefix);

        Assert.Empty(report.Failures);
        Assert.Contains(subsystem.ConfigPath, report.Removed);
        Assert.Contains(port.ConfigPath, report.Removed);
        Assert.Contains(ns.DevicePath, report.Removed);
        Assert.Contains($"{NvmetTree.Root}/hosts/{prefix}host", report.Removed);
        Assert.False(File.Exists(ns.DevicePath));
        Assert.Equal(before, NvmetTree.Snapshot(nqn, $"ports/{port.PortId}"));
    }
}
