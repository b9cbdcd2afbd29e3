using System.Net;
using NvmeNative.Connector;
using NvmeNative.Nvme;
using NvmeNative.Target;

namespace NvmeNative.Benchmarks.Lab;

/// <summary>
/// One volume of a loopback NVMe/TCP target: a subsystem with one file-backed namespace whose uuid we set
/// (the file is in the temp directory: tmpfs in the lab), linked to each portal of its rig. Carries what
/// both attach paths need: os-brick's connection properties and the raw target facts.
/// </summary>
internal sealed class LoopbackVolume
{
    private LoopbackVolume(NvmetNamespace ns, Guid uuid, IReadOnlyList<IPEndPoint> portals)
    {
        string nqn = ns.Subsystem.Nqn;
        Namespace = ns;
        Nqn = nqn;
        Uuid = uuid;
        Portals = portals;
        PropertiesJson = $$"""{"target_nqn": "{{nqn}}", "vol_uuid": "{{uuid}}", "portals": [{{string.Join(", ", portals.Select(p => $"[\"{p.Address}\", {p.Port}, \"tcp\"]"))}}]}""";
        Properties = ConnectionProperties.Parse(PropertiesJson);
    }

    public string Nqn { get; }

    /// <summary>The target side of the volume: disabling it makes the replica go away from the host.</summary>
    public NvmetNamespace Namespace { get; }

    public Guid Uuid { get; }

    public IReadOnlyList<IPEndPoint> Portals { get; }

    /// <summary>os-brick's <c>connection_properties</c> (new format) for this volume.</summary>
    public string PropertiesJson { get; }

    public ConnectionProperties Properties { get; }

    public static LoopbackVolume Create(NvmetTarget target, IReadOnlyList<NvmetPort> ports, long sizeBytes)
    {
        var uuid = Guid.NewGuid();
        var subsystem = target.CreateSubsystem(NvmetNames.NewTestNqn(BenchTargets.Label));
        BenchTargets.Track(subsystem.Nqn);
        var ns = subsystem.AddFileNamespace(sizeBytes, new NamespaceOptions { Uuid = uuid });
        foreach (var port in ports)
            port.Link(subsystem);
        return new LoopbackVolume(ns, uuid, ports.Select(p => new IPEndPoint(p.Address, p.TrSvcId)).ToList());
    }

    /// <summary>
    /// Makes the namespace blank again, as a new volume's: its backing file is emptied and grown back to its size (all
    /// zeros, no md superblock, no data). Only while no host is connected to it.
    /// </summary>
    public void Blank()
    {
        using var file = new FileStream(Namespace.DevicePath, FileMode.Open, FileAccess.Write);
        long size = file.Length;
        file.SetLength(0);
        file.SetLength(size);
    }

    /// <summary>
    /// Throws unless <paramref name="device"/> is this volume's block device (its sysfs uuid is ours): a
    /// benchmark that attached the wrong thing must fail, not report a time.
    /// </summary>
    public void CheckIsAttachedAt(string device)
    {
        string? found = Sysfs.Read($"/sys/class/block/{Path.GetFileName(device)}/uuid");
        if (!string.Equals(found, Uuid.ToString(), StringComparison.Ordinal))
            throw new InvalidOperationException($"{device} has uuid '{found}', expected {Uuid} (volume {Nqn})");
    }
}
