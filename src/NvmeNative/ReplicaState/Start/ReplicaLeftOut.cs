namespace NvmeNative.ReplicaState;

/// <summary>A replica the start does not use as a source, and why.</summary>
/// <param name="Index">Its index in <c>volume_replicas</c>.</param>
/// <param name="Replica">Its identity.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">The facts behind the reason (event counts, record state), for a person.</param>
/// <param name="ReAdd">True when it should be re-added (rebuilt from the sources) after the start: a stale or
/// blank member of the array, as opposed to an unreachable one, another array's, or a split-brain side.</param>
public sealed record ReplicaLeftOut(int Index, ReplicaIdentity Replica, ReplicaLeftOutReason Reason, string Detail, bool ReAdd)
{
    /// <inheritdoc/>
    public override string ToString() => $"replica {Index} ({Replica}): {Reason} ({Detail})";
}
