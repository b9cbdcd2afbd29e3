using System.Net;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Target;
using NvmeNative.Topology;

namespace NvmeNative.KernelTests.Topology;

/// <summary>
/// What the topology kernel tests share: nvmet loopback targets (Target API), connects through
/// /dev/nvme-fabrics (Fabrics API), the model under test, and cleanup of every controller the test made
/// (host side first, so nothing keeps reconnecting to a removed target), even when the test fails.
/// </summary>
internal sealed class TopologyLab : IDisposable
{
    private readonly List<ControllerInstance> _created = [];

    internal TopologyLab()
    {
        Requires.NvmeFabrics();
        Requires.Nvmet();
        Host = HostIdentityStore.LoadOrCreate();
        Connector = new FabricsConnector();
        Rig = new NvmetTarget();
    }

    internal HostIdentity Host { get; }

    internal FabricsConnector Connector { get; }

    internal NvmetTarget Rig { get; }

    internal NvmeTopology Topology { get; } = new();

    internal static NvmeUuid NewUuid() => NvmeUuid.NewRandom();

    /// <summary>A subsystem whose namespaces have the given ids; every namespace 16 MiB, file-backed.</summary>
    internal NvmetSubsystem Subsystem(string label, params (uint Nsid, NvmeUuid Uuid, Nguid? Nguid, bool Enable)[] namespaces)
    {
        var subsystem = Rig.CreateTestSubsystem(label, new SubsystemOptions { AllowAnyHost = true });
        foreach (var (nsid, uuid, nguid, enable) in namespaces)
            subsystem.AddFileNamespace(16 << 20, new NamespaceOptions { Nsid = nsid, Uuid = uuid.Value, Nguid = nguid?.Value, Enable = enable });
        return subsystem;
    }

    /// <summary>A TCP port on <paramref name="address"/> exporting the subsystems.</summary>
    internal NvmetPort Port(string address, params NvmetSubsystem[] subsystems)
    {
        var port = Rig.CreateTcpPort(IPAddress.Parse(address));
        foreach (var s in subsystems)
            port.Link(s);
        return port;
    }

    internal static Portal PortalOf(NvmetPort port) => new(port.TrAddr, port.TrSvcId, Transport.Tcp);

    /// <summary>Connects (one I/O queue: the fastest connect under emulation) and remembers the controller for cleanup.</summary>
    internal ControllerInstance Connect(NvmetSubsystem subsystem, NvmetPort port, TimeSpan? reconnectDelay = null)
    {
        var options = FabricsOptions.ForPortal(Nqn.Parse(subsystem.Nqn), PortalOf(port), Host) with
        {
            IoQueues = 1,
            ReconnectDelay = reconnectDelay,
        };
        var controller = Connector.Connect(options, TestContext.Current.CancellationToken);
        _created.Add(controller);
        return controller;
    }

    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var controller in _created)
            Connector.DeleteController(controller);
        Rig.Dispose();
    }
}

/// <summary>
/// The real uevent listener, which also says when the waiter first blocks in Receive: the test then changes
/// the kernel, proving the wait wakes on the event (not merely finds an already-true state).
/// </summary>
internal sealed class SignalingUeventSource : IUeventSource
{
    private readonly UeventListener _inner = UeventListener.Open();

    internal ManualResetEventSlim Blocking { get; } = new();

    internal List<UeventMessage> Seen { get; } = [];

    public UeventReceipt Receive(TimeSpan timeout, CancellationToken ct)
    {
        if (timeout != TimeSpan.Zero)
            Blocking.Set();
        var receipt = _inner.Receive(timeout, ct);
        if (receipt.Message is { } m)
            lock (Seen)
                Seen.Add(m);
        return receipt;
    }

    public async ValueTask<UeventReceipt> ReceiveAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (timeout != TimeSpan.Zero)
            Blocking.Set();
        var receipt = await _inner.ReceiveAsync(timeout, ct);
        if (receipt.Message is { } m)
            lock (Seen)
                Seen.Add(m);
        return receipt;
    }

    public void Dispose()
    {
        _inner.Dispose();
        Blocking.Dispose();
    }
}
