using System.Net;

namespace NvmeNative.Target;

/// <summary>An nvmet TCP port (<c>ports/ID</c>) created by an <see cref="NvmetTarget"/>.</summary>
public sealed class NvmetPort
{
    private readonly List<NvmetSubsystem> _linked = [];

    internal NvmetPort(NvmetTarget target, ushort portId, string configPath, IPAddress address, int trSvcId)
    {
        Target = target;
        PortId = portId;
        ConfigPath = configPath;
        Address = address;
        TrSvcId = trSvcId;
    }

    /// <summary>The rig that created it.</summary>
    public NvmetTarget Target { get; }

    /// <summary>The configfs port id (the directory name).</summary>
    public ushort PortId { get; }

    /// <summary>Its configfs directory.</summary>
    public string ConfigPath { get; }

    /// <summary>The listening address.</summary>
    public IPAddress Address { get; }

    /// <summary>The address as written to addr_traddr and as a host puts it in <c>traddr=</c>.</summary>
    public string TrAddr => Address.ToString();

    /// <summary>The TCP port (addr_trsvcid, a host's <c>trsvcid=</c>).</summary>
    public int TrSvcId { get; }

    /// <summary>The subsystems this rig has linked to the port (and not unlinked).</summary>
    public IReadOnlyList<NvmetSubsystem> LinkedSubsystems
    {
        get { lock (Target.Gate) return [.. _linked]; }
    }

    internal List<NvmetSubsystem> LinkedList => _linked;

    /// <summary>
    /// Exports <paramref name="subsystem"/> on this port (symlink in <c>ports/ID/subsystems/</c>). The first
    /// link makes nvmet listen. Also heals a path cut by <see cref="Unlink"/>. Idempotent.
    /// </summary>
    public void Link(NvmetSubsystem subsystem) => Target.LinkPort(this, subsystem);

    /// <summary>
    /// Stops exporting <paramref name="subsystem"/> here: nvmet drops the controllers of this subsystem on
    /// this port, and the host sees a dead path (its controller leaves <c>live</c> and keeps reconnecting).
    /// Idempotent.
    /// </summary>
    public void Unlink(NvmetSubsystem subsystem) => Target.UnlinkPort(this, subsystem);

    /// <summary>Whether configfs has the link <c>ports/ID/subsystems/NQN</c> (whoever made it).</summary>
    public bool IsLinked(NvmetSubsystem subsystem) =>
        new FileInfo(Path.Combine(ConfigPath, NvmetAttributes.Subsystems, subsystem.Nqn)).LinkTarget is not null;

    /// <inheritdoc/>
    public override string ToString() => $"port {PortId} tcp {TrAddr}:{TrSvcId}";
}
