using System.Net.Sockets;
using System.Net;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;
using NvmeNative.Target;

namespace NvmeNative.KernelTests.Fabrics;

/// <summary>
/// What the fabrics kernel tests share: the host identity, a connector, an nvmet loopback target built with
/// the Target API, and a record of the controllers that existed before the test, so a test can prove it left
/// nothing behind and clean up whatever it created (host controllers first, then the target).
/// </summary>
internal sealed class FabricsLab : IDisposable
{
    private readonly HashSet<string> _controllersBefore;
    private readonly List<ControllerInstance> _created = [];

    internal FabricsLab()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Host = HostIdentityStore.LoadOrCreate();
        Connector = new FabricsConnector();
        _controllersBefore = Controllers();
        Rig = new NvmetTarget();
    }

    internal HostIdentity Host { get; }

    internal FabricsConnector Connector { get; }

    internal NvmetTarget Rig { get; }

    /// <summary>An exported subsystem with one 16 MiB namespace on a fresh 127.0.0.1 port.</summary>
    internal (NvmetSubsystem Subsystem, NvmetPort Port) Export(bool allowAnyHost = true)
    {
        var subsystem = Rig.CreateTestSubsystem("fabrics", new SubsystemOptions { AllowAnyHost = allowAnyHost });
        subsystem.AddFileNamespace(16 << 20);
        var port = Rig.CreateTcpPort(IPAddress.Loopback);
        port.Link(subsystem);
        return (subsystem, port);
    }

    internal FabricsOptions OptionsFor(string nqn, int port) => new()
    {
        Transport = Transport.Tcp,
        SubsystemNqn = Nqn.Parse(nqn),
        Host = Host,
        TransportAddress = "127.0.0.1",
        Port = (ushort)port,
        IoQueues = 1, // one I/O queue: the fastest connect under emulation
    };

    /// <summary>Connects and remembers the controller so that Dispose deletes it even if the test fails.</summary>
    internal ControllerInstance Connect(FabricsOptions options)
    {
        var controller = Connector.Connect(options, TestContext.Current.CancellationToken);
        _created.Add(controller);
        return controller;
    }

    /// <summary>The controller names under /sys/class/nvme now.</summary>
    internal static HashSet<string> Controllers() =>
        Directory.Exists("/sys/class/nvme")
            ? Directory.EnumerateFileSystemEntries("/sys/class/nvme").Select(Path.GetFileName).OfType<string>().ToHashSet()
            : [];

    /// <summary>Controllers that appeared since the lab was set up.</summary>
    internal HashSet<string> NewControllers()
    {
        var now = Controllers();
        now.ExceptWith(_controllersBefore);
        return now;
    }

    /// <summary>A TCP port on 127.0.0.1 nothing listens on (bound, read, closed).</summary>
    internal static int UnusedTcpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    internal static string Attribute(ControllerInstance controller, string name) =>
        File.ReadAllText($"/sys/class/nvme/{controller.Name}/{name}").TrimEnd('\n');

    public void Dispose()
    {
        // Host side first: a controller whose target vanished would keep reconnecting (ctrl_loss_tmo=-1).
        foreach (var controller in _created)
            Connector.DeleteController(controller);
        // Anything else this test's connects left (e.g. after an assertion failed mid-way), but only controllers
        // of test subsystems: never someone else's.
        foreach (string leftover in NewControllers())
            if (leftover.StartsWith("nvme", StringComparison.Ordinal) && int.TryParse(leftover.AsSpan(4), out int n) &&
                File.ReadAllText($"/sys/class/nvme/{leftover}/subsysnqn").StartsWith(NvmetNames.TestNqnPrefix, StringComparison.Ordinal))
                Connector.DeleteController(n);
        Rig.Dispose();
    }
}
