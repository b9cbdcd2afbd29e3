namespace NvmeNative.ReplicaState;

/// <summary>What the attach found for one replica.</summary>
/// <param name="Index">Its index in <c>volume_replicas</c>.</param>
/// <param name="Replica">Its identity (matched against the record).</param>
/// <param name="Reachable">True when its namespace was connected and readable.</param>
/// <param name="Superblock">Its md superblock when reachable and it has one; null for a blank (or unreachable) replica.</param>
public sealed record ReplicaObservation(int Index, ReplicaIdentity Replica, bool Reachable, ReplicaSuperblockFacts? Superblock = null)
{
    /// <summary>
    /// Why its md metadata cannot be used (it carries a superblock or bitmap that fails its checks), or null. Such a
    /// replica is reached but counts like an unreachable one: it is neither a source nor blank.
    /// </summary>
    public string? InvalidMetadata { get; init; }

    /// <summary>"replica 2 (NQN uuid:…)".</summary>
    public string Name => $"replica {Index} ({Replica})";
}
