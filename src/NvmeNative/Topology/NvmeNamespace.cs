using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// A namespace as a block device the host can open: the native-multipath head <c>/dev/nvmeSnH</c> (one per
/// namespace of a subsystem, whatever the number of controllers), or, without multipath, the per-controller
/// device <c>nvmeXnY</c>. The Y in the name is an instance number, never the NSID: read <see cref="Nsid"/>.
/// </summary>
public sealed class NvmeNamespace
{
    internal NvmeNamespace(string name, string devicePath, bool isMultipathHead, string? subsystemName, NamespaceId nsid,
        NvmeUuid? uuid, Nguid? nguid, string? wwid, long? sizeBytes, IReadOnlyList<NamespacePath> paths,
        IReadOnlyList<string> controllerNames)
    {
        Name = name;
        DevicePath = devicePath;
        IsMultipathHead = isMultipathHead;
        SubsystemName = subsystemName;
        Nsid = nsid;
        Uuid = uuid;
        Nguid = nguid;
        Wwid = wwid;
        SizeBytes = sizeBytes;
        Paths = paths;
        ControllerNames = controllerNames;
    }

    /// <summary>The block device name, e.g. <c>nvme0n1</c>.</summary>
    public string Name { get; }

    /// <summary>The block device to open, e.g. <c>/dev/nvme0n1</c>.</summary>
    public string DevicePath { get; }

    /// <summary>True for a native-multipath head (its I/O goes through <see cref="Paths"/>).</summary>
    public bool IsMultipathHead { get; }

    /// <summary>The host subsystem (<c>nvme-subsysS</c>) of a head; null for a non-multipath device.</summary>
    public string? SubsystemName { get; }

    /// <summary>The namespace id on the target.</summary>
    public NamespaceId Nsid { get; }

    /// <summary>
    /// The namespace UUID, or null when the target reports none. Taken from <c>wwid</c> (<c>uuid.</c> prefix),
    /// because the kernel's <c>uuid</c> attribute shows the NGUID when there is no UUID.
    /// </summary>
    public NvmeUuid? Uuid { get; }

    /// <summary>The namespace NGUID (printed by the kernel as a dashed UUID), or null when it is zero.</summary>
    public Nguid? Nguid { get; }

    /// <summary>The kernel's world-wide id (<c>uuid.</c>, <c>eui.</c> or <c>nvme.</c> form).</summary>
    public string? Wwid { get; }

    /// <summary>The size in bytes (sysfs <c>size</c> × 512), or null when unreadable.</summary>
    public long? SizeBytes { get; }

    /// <summary>The per-controller paths of a multipath head (hidden <c>nvmeScCnH</c> disks); empty otherwise.</summary>
    public IReadOnlyList<NamespacePath> Paths { get; }

    /// <summary>The controllers through which this namespace is reached.</summary>
    public IReadOnlyList<string> ControllerNames { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (nsid {Nsid}, uuid {Uuid?.ToString() ?? "-"}, nguid {Nguid?.ToString() ?? "-"})";
}

/// <summary>One controller's path to a multipath head: the hidden disk <c>nvmeScCnH</c>.</summary>
/// <param name="Name">The hidden disk's name, e.g. <c>nvme0c1n1</c>.</param>
/// <param name="ControllerName">The controller it goes through, e.g. <c>nvme1</c>.</param>
/// <param name="AnaStateName">The <c>ana_state</c> text, or null when the subsystem does not use ANA.</param>
public sealed record NamespacePath(string Name, string ControllerName, string? AnaStateName)
{
    /// <summary>The parsed ANA state, or null when the subsystem does not use ANA.</summary>
    public AnaState? AnaState => AnaStateName is null ? null : AnaStates.Parse(AnaStateName);
}
