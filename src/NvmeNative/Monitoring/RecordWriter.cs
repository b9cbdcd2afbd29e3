using NvmeNative.ReplicaState;

namespace NvmeNative.Monitoring;

/// <summary>
/// Writes what an event means for a replica into the volume's record at once (compare-and-swap through
/// <see cref="ReplicaStateUpdate"/>): a member faulty or removed is failed at the array's event count, a member back is
/// rebuilding, a finished rebuild makes every in-sync member in sync. A host that crashes right after the event still
/// refuses to start from the failed replica.
/// </summary>
internal static class RecordWriter
{
    /// <summary>The record with <paramref name="e"/> applied, or null when it changes nothing.</summary>
    internal static ReplicaStateRecord? Apply(ReplicaStateRecord record, ReplicaEvent e, ArrayView? array, ulong? events, DateTimeOffset now)
    {
        var replica = ReplicaOf(record, e);
        switch (e.Kind)
        {
            case ReplicaEventKind.MemberFaulty or ReplicaEventKind.MemberRemoved when replica is not null:
                var entry = record.EntryOf(replica)!;
                if (entry.State == ReplicaCondition.Failed && (entry.FailedAtEvents is not null || events is null))
                    return null; // keeps the event count it first failed at: that is what proves it stale
                // Without a readable event count (no in-sync member answered) the entry is failed without one: a guessed
                // lower count would later make the replica look diverged.
                return record.WithReplica(replica, ReplicaCondition.Failed, now, failedAtEvents: events);
            case ReplicaEventKind.MemberReAdded or ReplicaEventKind.MemberAdded when replica is not null:
                return record.EntryOf(replica)!.State == ReplicaCondition.Rebuilding ? null
                    : record.WithReplica(replica, ReplicaCondition.Rebuilding, now);
            case ReplicaEventKind.RebuildFinished or ReplicaEventKind.ArrayOptimal when array is not null:
                var next = record;
                foreach (var member in array.Members.Values.Where(m => m.IsActive && m.Replica is not null))
                {
                    if (next.EntryOf(member.Replica!) is { State: not ReplicaCondition.InSync })
                        next = next.WithReplica(member.Replica!, ReplicaCondition.InSync, now);
                }
                if (events is ulong known && known > next.KnownGoodEvents && next.ArrayUuid is { } uuid)
                    next = next.WithArray(uuid, known, now);
                return ReferenceEquals(next, record) ? null : next;
            default:
                return null;
        }
    }

    /// <summary>
    /// The record with every replica it says is being rebuilt and that <paramref name="array"/> shows in sync marked in
    /// sync, or null when there is none. The state, not an event, decides: a monitor that was not running when the
    /// rebuild finished (or missed the moment between two looks) still settles the record. Only a rebuild is settled:
    /// a replica the record says failed is never made current by what an array shows, since an array started from stale
    /// replicas (outside this library) shows them in sync too.
    /// </summary>
    internal static ReplicaStateRecord? SettleRebuilt(ReplicaStateRecord record, ArrayView array, DateTimeOffset now)
    {
        if (!array.Running || array.Uuid is null || record.ArrayUuid != array.Uuid)
            return null;
        var next = record;
        foreach (var member in array.Members.Values.Where(m => m.IsActive && m.Replica is not null))
        {
            if (next.EntryOf(member.Replica!) is { State: ReplicaCondition.Rebuilding })
                next = next.WithReplica(member.Replica!, ReplicaCondition.InSync, now);
        }
        return ReferenceEquals(next, record) ? null : next;
    }

    private static ReplicaIdentity? ReplicaOf(ReplicaStateRecord record, ReplicaEvent e)
    {
        if (e.TargetNqn is null || e.Namespace is null)
            return null;
        return record.Replicas.FirstOrDefault(r => r.Replica.TargetNqn == e.TargetNqn && r.Replica.Namespace == e.Namespace)?.Replica;
    }
}
