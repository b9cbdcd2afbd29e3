namespace NvmeNative.ReplicaState;

/// <summary>The host that has the volume attached, and since when.</summary>
/// <param name="HostNqn">The owner's host NQN.</param>
/// <param name="AttachedAt">When it attached.</param>
public sealed record ReplicaOwner(string HostNqn, DateTimeOffset AttachedAt)
{
    /// <inheritdoc/>
    public override string ToString() => $"{HostNqn} (attached {AttachedAt:u})";
}
