namespace NvmeNative.ReplicaState;

/// <summary>What a record says about one replica's data.</summary>
public enum ReplicaCondition
{
    /// <summary>In sync with the array up to the record's known-good event count.</summary>
    InSync,

    /// <summary>Failed (md marked it faulty, or it was unreachable while the array went on) at <see cref="ReplicaStateEntry.FailedAtEvents"/>.</summary>
    Failed,

    /// <summary>Being rebuilt from the others: its data is incomplete until the rebuild ends.</summary>
    Rebuilding,

    /// <summary>Removed from the array on purpose.</summary>
    Removed,
}
