namespace NvmeNative.ReplicaState;

/// <summary>Which rule allowed a start.</summary>
public enum StartRuleKind
{
    /// <summary>Rule 1: the record names the sources (in sync, at least at the recorded known-good event count).</summary>
    RecordSaysCurrent,

    /// <summary>Rule 2, no record: the freshest superblock marks every replica that is not a source as faulty or spare.</summary>
    MissingMarkedFailed,

    /// <summary>Rule 2, no record: a strict majority of replica_count is present and agrees (same array, events within 1).</summary>
    Majority,

    /// <summary>Rule 3: the explicit override; the rule refused (<see cref="StartDecision.OverriddenRefusal"/> says why).</summary>
    Override,

    /// <summary>No replica carries md metadata and nothing says an array exists: a new array is to be created.</summary>
    NewVolume,
}
