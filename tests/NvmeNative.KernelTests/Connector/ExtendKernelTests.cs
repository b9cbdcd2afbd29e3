using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using NvmeNative.Connector;
using NvmeNative.KernelTests.Target;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Extend against real NVMe/TCP loopback targets grown under a connected host: the size Extend returns is
/// the target's, the block device and every multipath path report it, data written before survives, and
/// host-name portals attach and extend like numeric ones. blockdev is the oracle for the device size.
/// </summary>
[Collection(NvmetCollection.Name)]
public sealed class ExtendKernelTests
{
    private const long Size = 16 << 20;
    private const long Grown = 40 << 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Requirements()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Requires.Tool("blockdev");
    }

    private static string Props(NvmetSubsystem subsystem, Guid uuid, params string[] portals) =>
        $$"""{"target_nqn": "{{subsystem.Nqn}}", "vol_uuid": "{{uuid}}", "portals": [{{string.Join(", ", portals)}}]}""";

    private static string Portal(string address, NvmetPort port) => $"[\"{address}\", {port.TrSvcId}, \"tcp\"]";

    private static long BlockdevSize(string device) =>
        long.Parse(Tools.Check("blockdev", "--getsize64", device).Trim(), CultureInfo.InvariantCulture);

    private static long SysfsSectors(string dir) => long.Parse(File.ReadAllText(Path.Combine(dir, "size")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The head and each of its hidden path disks, as sysfs directories.</summary>
    private static List<string> DeviceAndPathDirs(string device, string nqn)
    {
        var topology = new NvmeTopology();
        var controllers = topology.ControllersOf(Nqn.Parse(nqn));
        var ns = topology.NamespacesOf(controllers).Single(n => n.DevicePath == device);
        return ns.Paths.Select(p => $"/sys/class/nvme/{p.ControllerName}/{p.Name}").Prepend($"/sys/class/block/{ns.Name}").ToList();
    }

    private static byte[] Pattern(int seed)
    {
        var data = new byte[4096];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static void WriteThrough(string device, long offset, byte[] data)
    {
        using var fs = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
        fs.Position = offset;
        fs.Write(data);
        fs.Flush(flushToDisk: true);
    }

    private static byte[] ReadAt(string path, long offset)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        fs.Position = offset;
        var data = new byte[4096];
        fs.ReadExactly(data);
        return data;
    }

    /// <summary>Data written before the resize is on the target and reads back through the device from the target (caches dropped).</summary>
    private static void AssertIntact(string device, string backing, params (long Offset, byte[] Data)[] written)
    {
        Tools.Check("blockdev", "--flushbufs", device);
        foreach (var (offset, data) in written)
        {
            Assert.Equal(data, ReadAt(backing, offset));
            Assert.Equal(data, ReadAt(device, offset));
        }
    }

    /// <summary>The kernel announces the device's new size with a change uevent carrying RESIZE=1 (what Extend waits for).</summary>
    private static void AssertResizeEvent(UeventWatch events, string device) =>
        events.WaitFor(u => u.Action == "change" && u.DevPath.EndsWith("/" + Path.GetFileName(device), StringComparison.Ordinal) && u["RESIZE"] == "1",
            TimeSpan.FromSeconds(10), $"the RESIZE=1 change event of {device}");

    /// <summary>
    /// Prints every block/nvme uevent the kernel sent since the watch opened, for the record of which events
    /// each kernel sends on a resize. A synthetic change event (written to the head's uevent file) is the
    /// barrier: once it arrived, every earlier event has been received.
    /// </summary>
    private static void Report(string what, UeventWatch events, string device)
    {
        string name = Path.GetFileName(device);
        File.WriteAllText($"/sys/class/block/{name}/uevent", "change");
        events.WaitFor(u => u.Action == "change" && u.DevPath.EndsWith("/" + name, StringComparison.Ordinal) && u["SYNTH_UUID"] is not null,
            TimeSpan.FromSeconds(10), "the synthetic change event used as a barrier");
        var seen = events.Seen.Where(e => e["SUBSYSTEM"] is "block" or "nvme" or "nvme-subsystem" && e["SYNTH_UUID"] is null).ToList();
        Console.Error.WriteLine($"[{Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL_VERSION")}] {what}: {seen.Count} uevent(s), " +
            $"{seen.Count(e => System.Text.RegularExpressions.Regex.IsMatch(e.DevPath, @"/nvme\d+c\d+n\d+$"))} for path disks:");
        foreach (var e in seen)
            Console.Error.WriteLine("  " + e);
    }

    [Fact]
    public void Extend_through_two_portals_returns_the_targets_new_size_on_the_head_and_every_path_with_data_intact()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid });
        var second = target.CreateTcpPort(IPAddress.Parse("127.0.0.2"));
        second.Link(e.Subsystem);
        var props = ConnectionProperties.Parse(Props(e.Subsystem, uuid, Portal("127.0.0.1", e.Port), Portal("127.0.0.2", second)));
        var connector = new NvmeOfConnector();
        var volume = connector.Connect(props, Ct);
        try
        {
            Assert.Equal(2, volume.PathControllers.Count);
            var first = Pattern(1);
            var last = Pattern(2);
            WriteThrough(volume.Path, 0, first);
            WriteThrough(volume.Path, Size - 4096, last);

            using var events = new UeventWatch();
            e.Namespace.Resize(Grown); // grows the backing file and writes revalidate_size: nvmet sends a namespace-change AEN
            long size = connector.Extend(props, Ct);

            Assert.Equal(Grown, size);
            Assert.Equal(Grown, BlockdevSize(volume.Path));
            var dirs = DeviceAndPathDirs(volume.Path, e.Subsystem.Nqn);
            Assert.Equal(3, dirs.Count); // the head and both paths
            Assert.All(dirs, d => Assert.Equal(Grown / 512, SysfsSectors(d)));
            AssertResizeEvent(events, volume.Path);
            Report("resize + Extend (two paths)", events, volume.Path);

            AssertIntact(volume.Path, e.Namespace.DevicePath, (0, first), (Size - 4096, last));
            // The added space is usable through the head.
            var beyond = Pattern(3);
            WriteThrough(volume.Path, Grown - 4096, beyond);
            AssertIntact(volume.Path, e.Namespace.DevicePath, (Grown - 4096, beyond));
        }
        finally
        {
            connector.Disconnect(props, force: true, ignoreErrors: true, cancellationToken: Ct);
        }
        Assert.Empty(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
    }

    [Fact]
    public void Extend_itself_makes_the_host_see_a_growth_the_target_never_announced()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid });
        var props = ConnectionProperties.Parse(Props(e.Subsystem, uuid, Portal("127.0.0.1", e.Port)));
        var connector = new NvmeOfConnector();
        var volume = connector.Connect(props, Ct);
        try
        {
            var first = Pattern(4);
            WriteThrough(volume.Path, 0, first);
            // Grow the backing file behind nvmet's back: no revalidate_size, so no AEN; the host keeps the old
            // size until someone rescans (os-brick's nvme ns-rescan; our rescan_controller write).
            using (var fs = new FileStream(e.Namespace.DevicePath, FileMode.Open, FileAccess.Write))
                fs.SetLength(Grown);
            Assert.Equal(Size, BlockdevSize(volume.Path));

            using var events = new UeventWatch();
            Assert.Equal(Grown, connector.Extend(props, Ct));
            AssertResizeEvent(events, volume.Path);
            Report("silent growth + Extend (one path)", events, volume.Path);
            Assert.Equal(Grown, BlockdevSize(volume.Path));
            Assert.All(DeviceAndPathDirs(volume.Path, e.Subsystem.Nqn), d => Assert.Equal(Grown / 512, SysfsSectors(d)));
            AssertIntact(volume.Path, e.Namespace.DevicePath, (0, first));
        }
        finally
        {
            connector.Disconnect(props, force: true, ignoreErrors: true, cancellationToken: Ct);
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Extend_of_a_block_device_namespace_counts_its_logical_blocks_right(int blockSize)
    {
        Requirements();
        Requires.Loop();
        using var loop = LoopDevice.Create(Size, blockSize);
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var subsystem = target.CreateTestSubsystem("extend-bdev");
        var ns = subsystem.AddBlockDeviceNamespace(loop.Device, new NamespaceOptions { Uuid = uuid });
        var port = target.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        var props = ConnectionProperties.Parse(Props(subsystem, uuid, Portal("127.0.0.1", port)));
        var connector = new NvmeOfConnector();
        var volume = connector.Connect(props, Ct);
        try
        {
            // nvmet exports the loop device's logical block size as the namespace's LBA format.
            string name = Path.GetFileName(volume.Path);
            Assert.Equal(blockSize.ToString(CultureInfo.InvariantCulture), File.ReadAllText($"/sys/class/block/{name}/queue/logical_block_size").Trim());
            var last = Pattern(5);
            WriteThrough(volume.Path, Size - 4096, last);

            loop.Resize(Grown);
            ns.RevalidateSize();
            Assert.Equal(Grown, connector.Extend(props, Ct));
            Assert.Equal(Grown, BlockdevSize(volume.Path));
            Assert.Equal(Grown / 512, SysfsSectors($"/sys/class/block/{name}"));
            AssertIntact(volume.Path, loop.BackingFile, (Size - 4096, last));
        }
        finally
        {
            connector.Disconnect(props, force: true, ignoreErrors: true, cancellationToken: Ct);
        } // the target is disposed before the loop device it exports (reverse order of the usings)
    }

    [Fact]
    public void A_localhost_portal_attaches_extends_through_the_cli_and_detaches()
    {
        Requirements();
        using var target = new NvmetTarget();
        var uuid = Guid.NewGuid();
        var e = target.CreateFileExport(Size, new NamespaceOptions { Uuid = uuid });
        string json = Props(e.Subsystem, uuid, Portal("localhost", e.Port));
        var props = ConnectionProperties.Parse(json);
        var connector = new NvmeOfConnector();
        var volume = connector.Connect(props, Ct);
        try
        {
            var controller = Assert.Single(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
            Assert.Equal(volume.CreatedControllers, [controller.Name]);
            Assert.Equal("127.0.0.1", controller.Address!.TrAddr); // the kernel was given the resolved address
            Assert.Equal([volume.Path], connector.GetVolumePaths(props, cancellationToken: TestContext.Current.CancellationToken));

            e.Namespace.Resize(Grown);
            var (exit, output, err) = Cli.Run(json, "extend", "-");
            Assert.True(exit == 0, err);
            Assert.Equal(Grown, JsonDocument.Parse(output).RootElement.GetProperty("size").GetInt64());
            Assert.Equal(Grown, BlockdevSize(volume.Path));
        }
        finally
        {
            var detached = connector.Disconnect(props, force: true, ignoreErrors: true, cancellationToken: Ct);
            Assert.Equal(volume.CreatedControllers, detached.DeletedControllers);
        }
        Assert.Empty(new NvmeTopology().ControllersOf(Nqn.Parse(e.Subsystem.Nqn)));
    }

    /// <summary>The nvmenative CLI built next to this test assembly.</summary>
    private static class Cli
    {
        private static readonly string Dll = Find();

        private static string Find()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string dll = Path.Combine(dir.FullName, "src", "NvmeNative.Cli", "bin", "Release", "net10.0", "NvmeNative.Cli.dll");
                if (File.Exists(dll))
                    return dll;
            }
            throw new FileNotFoundException("NvmeNative.Cli.dll not found above " + AppContext.BaseDirectory);
        }

        internal static (int Exit, string Out, string Err) Run(string stdin, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Dll);
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.Result);
        }
    }
}
