using NvmeNative.Md;
using NvmeNative.ReplicaState;

namespace NvmeNative.Connector;

/// <summary>How the md RAID1 array of a replicated volume was brought up by an attach.</summary>
public enum MdAttachAction
{
    /// <summary>No array: a single-replica volume whose device carries no md superblock is used directly (as os-brick).</summary>
    None,

    /// <summary>A new array was created over the replicas (first attach of a new volume: every replica was reachable).</summary>
    Created,

    /// <summary>The existing array was assembled from the replicas' superblocks.</summary>
    Assembled,

    /// <summary>The host already ran the array (an earlier attach, or udev's incremental assembly) and it was taken over.</summary>
    Adopted,
}

/// <summary>One replica of a replicated volume, as the attach found it.</summary>
/// <param name="Index">Its place in <c>volume_replicas</c>.</param>
/// <param name="SubsystemNqn">Its target.</param>
/// <param name="Device">Its namespace's block device on this host, or null when it could not be attached.</param>
/// <param name="Error">Why it could not be attached (its attach was rolled back), or null.</param>
public sealed record ReplicaLeg(int Index, string SubsystemNqn, string? Device, string? Error);

/// <summary>What attaching a replicated (<c>volume_replicas</c>) volume did beyond connecting its replicas.</summary>
/// <param name="Action">How the array came up.</param>
/// <param name="Array">The running array, or null for <see cref="MdAttachAction.None"/>.</param>
/// <param name="Degraded">The array runs with fewer in-sync mirrors than it has slots (a replica is missing or still resyncing).</param>
/// <param name="Replicas">Every replica, attached or not.</param>
/// <param name="LeftOut">Replica devices the assembly did not use at first, and why.</param>
/// <param name="Healing">Replica devices put back into the array (a stale one re-added through the write-intent bitmap,
/// a blank one added for a full rebuild); md resyncs them in the background.</param>
public sealed record ReplicatedAttach(
    MdAttachAction Action,
    MdArray? Array,
    bool Degraded,
    IReadOnlyList<ReplicaLeg> Replicas,
    IReadOnlyList<MdLeftOutMember> LeftOut,
    IReadOnlyList<string> Healing)
{
    /// <summary>
    /// The start rule's decision (null for <see cref="MdAttachAction.None"/>): which rule allowed the start, the replicas
    /// it started from, and every replica it left out with the reason (stale, failed by the record, unreachable, split brain).
    /// </summary>
    public StartDecision? Start { get; init; }

    /// <summary>Null when the replica-state record was read and written; else what went wrong with it (the volume is up either way).</summary>
    public string? RecordWarning { get; init; }
}
