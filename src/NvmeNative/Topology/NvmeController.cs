using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// One NVMe controller as sysfs shows it (<c>/sys/class/nvme/nvmeN</c>): a connection from this host to a
/// subsystem through one portal. An immutable snapshot: read again to see changes.
/// </summary>
public sealed class NvmeController
{
    internal NvmeController(string name, int instance, string? transportName, ControllerAddress? address,
        string? subsystemNqn, string? stateName, int? cntlid, string? hostNqn, NvmeUuid? hostId, int? numaNode,
        string? subsystemName, string sysfsPath, string devicePath)
    {
        Name = name;
        Instance = instance;
        TransportName = transportName;
        Transport = TransportNames.TryParseKernelName(transportName, out var transport) ? transport : null;
        Address = address;
        SubsystemNqn = subsystemNqn;
        StateName = stateName;
        State = ControllerStates.Parse(stateName);
        Cntlid = cntlid;
        HostNqn = hostNqn;
        HostId = hostId;
        NumaNode = numaNode;
        SubsystemName = subsystemName;
        SysfsPath = sysfsPath;
        DevicePath = devicePath;
    }

    /// <summary>The kernel name, e.g. <c>nvme3</c>.</summary>
    public string Name { get; }

    /// <summary>The instance number N of <c>nvmeN</c> (what a fabrics connect replies as <c>instance=N</c>).</summary>
    public int Instance { get; }

    /// <summary>The fabrics transport, or null for a controller that is not a fabrics one (<c>pcie</c>, ...).</summary>
    public Transport? Transport { get; }

    /// <summary>The transport as sysfs prints it (<c>tcp</c>, <c>rdma</c>, ...).</summary>
    public string? TransportName { get; }

    /// <summary>The parsed <c>address</c> attribute; null for loop controllers, which have none.</summary>
    public ControllerAddress? Address { get; }

    /// <summary>The subsystem NQN the controller reports (<c>subsysnqn</c>), as sysfs prints it (compare with <see cref="Nqn"/>).</summary>
    public string? SubsystemNqn { get; }

    /// <summary>The state when read.</summary>
    public ControllerState State { get; }

    /// <summary>The state as sysfs printed it.</summary>
    public string? StateName { get; }

    /// <summary>The controller id the target assigned (<c>cntlid</c>).</summary>
    public int? Cntlid { get; }

    /// <summary>The host NQN used to connect (fabrics controllers only), as sysfs prints it.</summary>
    public string? HostNqn { get; }

    /// <summary>The host id used to connect (fabrics controllers only).</summary>
    public NvmeUuid? HostId { get; }

    /// <summary>The NUMA node, or null; -1 means none.</summary>
    public int? NumaNode { get; }

    /// <summary>The host subsystem it belongs to (<c>nvme-subsysS</c>), or null while it is not linked to one.</summary>
    public string? SubsystemName { get; }

    /// <summary>The controller's sysfs directory (through /sys/class/nvme).</summary>
    public string SysfsPath { get; }

    /// <summary>The controller's character device (<c>/dev/nvmeN</c>).</summary>
    public string DevicePath { get; }

    /// <summary>True when <see cref="State"/> is <see cref="ControllerState.Live"/>.</summary>
    public bool IsLive => State == ControllerState.Live;

    /// <summary>
    /// True when this controller reaches the target through <paramref name="portal"/>: same transport, and the
    /// address fields compared as <see cref="ControllerAddress.Matches"/> does (host binding only when given).
    /// </summary>
    public bool IsAt(Portal portal, string? hostTransportAddress = null, string? hostInterface = null) =>
        Transport == portal.Transport && Address is not null && Address.Matches(portal, hostTransportAddress, hostInterface);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({StateName ?? "gone"}, {TransportName} {Address?.Raw})";
}
