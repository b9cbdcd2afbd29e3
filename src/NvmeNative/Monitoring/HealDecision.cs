using NvmeNative.Md;
using NvmeNative.ReplicaState;

namespace NvmeNative.Monitoring;

/// <summary>What healing does with a replica that is reachable again but not in its array.</summary>
internal enum HealAction
{
    /// <summary>Nothing: it is not failed, or it is removed on purpose.</summary>
    None,

    /// <summary>Re-add through the write-intent bitmap (its superblock is this array's and not ahead of its failure).</summary>
    ReAdd,

    /// <summary>Add for a full rebuild (blank: recreated by the backend).</summary>
    Add,

    /// <summary>Leave it for a person, with the reason.</summary>
    Refuse,
}

/// <summary>The heal policy, as a pure decision over what the record and the replica's superblock say.</summary>
internal static class HealPolicy
{
    /// <param name="entry">The replica's record entry.</param>
    /// <param name="arrayUuid">The running array's uuid.</param>
    /// <param name="superblock">The replica's md superblock, or null when it has none.</param>
    /// <param name="carriesOtherMetadata">It has no v1.2 superblock but some other md metadata.</param>
    internal static (HealAction Action, string Reason) Decide(ReplicaStateEntry entry, MdUuid arrayUuid, MdMemberExamination? superblock,
        bool carriesOtherMetadata)
    {
        if (entry.State is ReplicaCondition.InSync or ReplicaCondition.Removed)
            return (HealAction.None, $"the record says {entry.Describe()}");
        if (superblock is null)
            return carriesOtherMetadata
                ? (HealAction.Refuse, "it carries md metadata of another version: not ours to overwrite")
                : (HealAction.Add, "blank: added for a full rebuild");
        if (superblock.ArrayUuid != arrayUuid)
            return (HealAction.Refuse, $"its superblock belongs to another array ({superblock.ArrayUuid.ToMdadmString()})");
        // md never writes a superblock it failed, so a replica that failed at event N holds at most N; more means it ran
        // (and was written) without this array: a split brain whose writes a re-add would discard.
        if (entry.FailedAtEvents is ulong failedAt && superblock.Events > failedAt)
            return (HealAction.Refuse, $"diverged: its superblock is at event {superblock.Events}, past the event {failedAt} it failed at (split brain)");
        return (HealAction.ReAdd, $"behind the array at event {superblock.Events}: re-added through the bitmap");
    }
}
