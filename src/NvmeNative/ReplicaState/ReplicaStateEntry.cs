namespace NvmeNative.ReplicaState;

/// <summary>One replica's state in a <see cref="ReplicaStateRecord"/>.</summary>
/// <param name="Replica">Which replica.</param>
/// <param name="State">Its state.</param>
/// <param name="Since">When it entered <paramref name="State"/>.</param>
/// <param name="FailedAtEvents">The array's event count when it failed (for <see cref="ReplicaCondition.Failed"/>), else null.</param>
/// <param name="DevNumber">Its md dev_number (slot in the role table) once known, else null.</param>
public sealed record ReplicaStateEntry(
    ReplicaIdentity Replica,
    ReplicaCondition State,
    DateTimeOffset Since,
    ulong? FailedAtEvents = null,
    int? DevNumber = null)
{
    /// <summary>"in sync since …", "failed at event 42 since …", for messages.</summary>
    public string Describe() => State switch
    {
        ReplicaCondition.Failed when FailedAtEvents is ulong e => $"failed at event {e} (since {Since:u})",
        ReplicaCondition.Failed => $"failed (since {Since:u})",
        ReplicaCondition.InSync => $"in sync (since {Since:u})",
        ReplicaCondition.Rebuilding => $"being rebuilt (since {Since:u})",
        _ => $"removed (since {Since:u})",
    };
}
