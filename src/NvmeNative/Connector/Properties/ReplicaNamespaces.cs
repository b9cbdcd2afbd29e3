using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// The namespaces the replicas of a volume name so far, to refuse two replicas that would be the same namespace
/// (an md array whose mirrors are one device): the same target, the same namespace UUID or NGUID (unique by the NVMe
/// specification, whatever subsystem exports them), the same subsystem and namespace ID, or a subsystem named by a
/// replica without any namespace identifier next to another replica of that subsystem (the attach would take the
/// subsystem's one new namespace for both). Linear: each replica is a few dictionary look-ups.
/// </summary>
internal sealed class ReplicaNamespaces
{
    private readonly Dictionary<TargetProperties, int> _targets = [];
    private readonly Dictionary<NvmeUuid, int> _uuids = [];
    private readonly Dictionary<Nguid, int> _nguids = [];
    private readonly Dictionary<(Nqn, NamespaceId), int> _nsids = [];
    private readonly Dictionary<Nqn, int> _subsystems = [];
    private readonly Dictionary<Nqn, int> _unidentified = [];

    /// <summary>Adds replica <paramref name="index"/>; returns the earlier replica it collides with (-1 when none), and whether it is the very same target.</summary>
    internal (int Earlier, bool SameTarget) Add(TargetProperties target, int index)
    {
        if (_targets.TryGetValue(target, out int same))
            return (same, true);
        int earlier = Collision(target);
        if (earlier >= 0)
            return (earlier, false);
        _targets[target] = index;
        if (target.NamespaceUuid is { } uuid)
            _uuids[uuid] = index;
        if (target.Nguid is { } nguid)
            _nguids[nguid] = index;
        if (target.NamespaceId is { } nsid)
            _nsids[(target.SubsystemNqn, nsid)] = index;
        if (!target.HasNamespaceIdentifier)
            _unidentified[target.SubsystemNqn] = index;
        _subsystems.TryAdd(target.SubsystemNqn, index);
        return (-1, false);
    }

    private int Collision(TargetProperties target)
    {
        if (target.NamespaceUuid is { } uuid && _uuids.TryGetValue(uuid, out int byUuid))
            return byUuid;
        if (target.Nguid is { } nguid && _nguids.TryGetValue(nguid, out int byNguid))
            return byNguid;
        if (target.NamespaceId is { } nsid && _nsids.TryGetValue((target.SubsystemNqn, nsid), out int byNsid))
            return byNsid;
        if (_unidentified.TryGetValue(target.SubsystemNqn, out int unidentified))
            return unidentified;
        if (!target.HasNamespaceIdentifier && _subsystems.TryGetValue(target.SubsystemNqn, out int sameSubsystem))
            return sameSubsystem;
        return -1;
    }
}
