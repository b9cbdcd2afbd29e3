namespace NvmeNative.ReplicaState;

/// <summary>Everything the start rule decides from.</summary>
/// <param name="ReplicaCount">The volume's replica_count (may exceed the replicas listed).</param>
/// <param name="Record">The store's record of the volume, or null (none, or the store is unreachable).</param>
/// <param name="Replicas">One observation per listed replica.</param>
/// <param name="Override">The explicit override (<c>allow_stale_start</c>, <c>--force</c>): start even when the rule refuses.</param>
/// <param name="StoreDescription">The store, for messages ("no record in file:/var/lib/…").</param>
public sealed record StartRuleInput(
    int ReplicaCount,
    ReplicaStateRecord? Record,
    IReadOnlyList<ReplicaObservation> Replicas,
    bool Override = false,
    string? StoreDescription = null);
