using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// A host-side NVMe subsystem (<c>/sys/class/nvme-subsystem/nvme-subsysS</c>): every controller this host has
/// to one target NQN, and the namespaces reached through them.
/// </summary>
public sealed class NvmeSubsystem
{
    internal NvmeSubsystem(string name, int instance, string? nqn, string? subsystemType, string? ioPolicy,
        IReadOnlyList<NvmeController> controllers, IReadOnlyList<NvmeNamespace> namespaces)
    {
        Name = name;
        Instance = instance;
        Nqn = nqn;
        SubsystemType = subsystemType;
        IoPolicy = ioPolicy;
        Controllers = controllers;
        Namespaces = namespaces;
    }

    /// <summary>The kernel name, e.g. <c>nvme-subsys0</c>.</summary>
    public string Name { get; }

    /// <summary>S of <c>nvme-subsysS</c> (the instance of the controller that created it, not in general the same as later controllers').</summary>
    public int Instance { get; }

    /// <summary>The subsystem NQN (<c>subsysnqn</c>).</summary>
    public string? Nqn { get; }

    /// <summary><c>nvm</c> or <c>discovery</c> (5.16+), or null.</summary>
    public string? SubsystemType { get; }

    /// <summary>The multipath I/O policy (<c>numa</c>, <c>round-robin</c>, <c>queue-depth</c>), or null without multipath.</summary>
    public string? IoPolicy { get; }

    /// <summary>Its controllers, by instance.</summary>
    public IReadOnlyList<NvmeController> Controllers { get; }

    /// <summary>Its namespaces: multipath heads, or per-controller devices without multipath; by name.</summary>
    public IReadOnlyList<NvmeNamespace> Namespaces { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Nqn})";
}

/// <summary>Everything NVMe on the host at one moment, for listing (<c>nvmenative list</c>).</summary>
public sealed class HostTopology
{
    internal HostTopology(IReadOnlyList<NvmeSubsystem> subsystems, IReadOnlyList<NvmeController> controllers)
    {
        Subsystems = subsystems;
        Controllers = controllers;
    }

    /// <summary>Every subsystem, by instance.</summary>
    public IReadOnlyList<NvmeSubsystem> Subsystems { get; }

    /// <summary>Every controller, by instance, including any not (yet) linked to a subsystem.</summary>
    public IReadOnlyList<NvmeController> Controllers { get; }
}
