using NvmeNative.Errors;

namespace NvmeNative.Connector;

/// <summary>One replica that an extend of a replicated volume did not grow, and why.</summary>
/// <param name="Index">Its place in <c>volume_replicas</c>.</param>
/// <param name="SubsystemNqn">Its target.</param>
/// <param name="SizeBytes">Its device's size now, or null when it is not attached here.</param>
/// <param name="Reason">Why it was not grown (not attached, its extend failed, or its target did not report a larger size).</param>
public sealed record ReplicaNotExtended(int Index, string SubsystemNqn, long? SizeBytes, string Reason);

/// <summary>
/// An extend of a replicated volume grew the array as far as its replicas allowed, but not every replica took the new
/// size: one is missing here (its target down, its leg dead) or did not grow (its backend was not extended). The array
/// serves <see cref="SizeBytes"/>; a missing replica must be extended before it can be put back (md refuses a mirror
/// smaller than the array), and a replica that did not grow holds the array back at its size.
/// </summary>
public sealed class ReplicaExtendIncompleteException : NvmeNativeException
{
    internal ReplicaExtendIncompleteException(string alias, long sizeBytes, IReadOnlyList<ReplicaNotExtended> replicas, string? path)
        : base($"the replicated volume {alias} is {sizeBytes} bytes now, but not every replica was extended: " +
            string.Join("; ", replicas.Select(r => $"[{r.Index}] {r.SubsystemNqn}: {r.Reason}")), TargetExtender.Operation, path)
    {
        SizeBytes = sizeBytes;
        Replicas = replicas;
    }

    /// <summary>The array's size after the extend, in bytes (what the volume serves now).</summary>
    public long SizeBytes { get; }

    /// <summary>The replicas that were not extended.</summary>
    public IReadOnlyList<ReplicaNotExtended> Replicas { get; }
}
