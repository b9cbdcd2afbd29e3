using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>Whether a namespace on the host is the replica a record names (by target NQN and the record's namespace identifier).</summary>
internal static class ReplicaMatch
{
    internal static bool Matches(ReplicaIdentity replica, string subsystemNqn, NvmeNamespace ns)
    {
        if (replica.TargetNqn != subsystemNqn)
            return false;
        string id = replica.Namespace;
        return id.StartsWith("uuid:", StringComparison.Ordinal) ? ns.Uuid is { } u && "uuid:" + u == id
            : id.StartsWith("nguid:", StringComparison.Ordinal) ? ns.Nguid is { } g && "nguid:" + g == id
            : "nsid:" + ns.Nsid == id;
    }

    /// <summary>The identity of a namespace no record names (its strongest identifier), or null when it has none usable.</summary>
    internal static ReplicaIdentity? IdentityOf(string subsystemNqn, NvmeNamespace ns)
    {
        try
        {
            return Nqn.TryParse(subsystemNqn, out var nqn, out _) ? ReplicaIdentity.From(nqn, ns.Uuid, ns.Nguid, ns.Nsid) : null;
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }
}
