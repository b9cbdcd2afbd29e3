using NvmeNative.Md;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// One member of an array as seen at one moment, with the replica it holds when that is known, and whether it holds a
/// mirror slot (md's <c>slot</c> is a number, not <c>none</c>).
/// </summary>
internal sealed record MemberView(string KernelName, MdMemberFlags Flags, ReplicaIdentity? Replica, bool HoldsSlot = false)
{
    internal bool IsFaulty => Flags.HasFlag(MdMemberFlags.Faulty);

    internal bool IsActive => Flags.HasFlag(MdMemberFlags.InSync) && !IsFaulty;

    /// <summary>In a mirror slot but not yet in sync: md is (or is about to be) recovering onto it.</summary>
    internal bool IsFillingSlot => HoldsSlot && !IsFaulty && !IsActive;
}

/// <summary>One md array as seen at one moment, with the record that names it (by array uuid), if any.</summary>
internal sealed record ArrayView(
    MdDeviceName Device,
    string? Uuid,
    bool Running,
    int Degraded,
    MdSyncAction SyncAction,
    string SyncCompleted,
    IReadOnlyDictionary<string, MemberView> Members,
    ReplicaStateRecord? Record)
{
    /// <summary>
    /// A resync, or a recovery onto a member (one attached, not faulty, not yet in sync). md's recovery thread also
    /// shows <c>recover</c> for a moment after a failure with nothing to recover onto: that is no rebuild.
    /// </summary>
    internal bool Rebuilding => SyncAction == MdSyncAction.Resync || (SyncAction == MdSyncAction.Recover && HasMemberInRecovery);

    private bool HasMemberInRecovery => Members.Values.Any(m => !m.IsFaulty && !m.IsActive);

    /// <summary>A member holds a mirror slot without being in sync (see <see cref="MemberView.IsFillingSlot"/>).</summary>
    internal bool HasSlotBeingFilled => Members.Values.Any(m => m.IsFillingSlot);

    /// <summary>
    /// Not every slot holds an in-sync mirror, or one is being rebuilt. A member in a slot and not in sync counts
    /// whatever <c>degraded</c> and <c>sync_action</c> say: a look reads the members before those, so a recovery ending
    /// between the reads shows its member not yet in sync beside an idle, undegraded array; calling that optimal would
    /// let the record miss the member's return to sync.
    /// </summary>
    internal bool Impaired => Degraded > 0 || (SyncAction == MdSyncAction.Recover && HasMemberInRecovery) || HasSlotBeingFilled;

    /// <summary>Tenths of the rebuild done (0-10), or null when sync_completed gives no position.</summary>
    internal int? RebuildTenths
    {
        get
        {
            int slash = SyncCompleted.IndexOf('/');
            return slash > 0 && long.TryParse(SyncCompleted.AsSpan(0, slash).Trim(), out long done)
                && long.TryParse(SyncCompleted.AsSpan(slash + 1).Trim(), out long total) && total > 0
                ? (int)Math.Clamp(done * 10 / total, 0, 10)
                : null;
        }
    }
}

/// <summary>A replica's namespace block device present on the host, with its subsystem and controllers.</summary>
internal sealed record NamespaceView(string BlockName, string SubsystemNqn, NvmeNamespace Namespace, IReadOnlyList<string> Controllers);

/// <summary>A controller's state at one moment.</summary>
internal sealed record ControllerView(string Name, string? SubsystemNqn, ControllerState State);

/// <summary>Everything the monitor derives events from: md arrays, NVMe namespaces and controllers, and the records.</summary>
internal sealed record HostView(
    IReadOnlyDictionary<string, ArrayView> Arrays,
    IReadOnlyDictionary<string, NamespaceView> Namespaces,
    IReadOnlyDictionary<string, ControllerView> Controllers,
    IReadOnlyList<ReplicaStateRecord> Records)
{
    /// <summary>
    /// Array members that are multipath heads without a path (see <see cref="NvmeTopology.ReadPathlessHead"/>): not
    /// present namespaces, but still the replica they held, so the member can be named and, once the replica is back
    /// under a new head, removed.
    /// </summary>
    internal IReadOnlyDictionary<string, NamespaceView> PathlessHeads { get; init; } = new Dictionary<string, NamespaceView>();

    internal static HostView Empty { get; } = new(new Dictionary<string, ArrayView>(), new Dictionary<string, NamespaceView>(),
        new Dictionary<string, ControllerView>(), []);

    /// <summary>The record listing <paramref name="replica"/>, or null.</summary>
    internal ReplicaStateRecord? RecordOf(ReplicaIdentity replica) => Records.FirstOrDefault(r => r.EntryOf(replica) is not null);

    /// <summary>The replica a present namespace holds: the record's identity that matches it, else one built from it.</summary>
    internal ReplicaIdentity? ReplicaOf(string blockName)
    {
        if (!Namespaces.TryGetValue(blockName, out var ns) && !PathlessHeads.TryGetValue(blockName, out ns))
            return null;
        foreach (var record in Records)
            foreach (var entry in record.Replicas)
                if (ReplicaMatch.Matches(entry.Replica, ns.SubsystemNqn, ns.Namespace))
                    return entry.Replica;
        return ReplicaMatch.IdentityOf(ns.SubsystemNqn, ns.Namespace);
    }

    /// <summary>The present namespace that holds <paramref name="replica"/>, or null.</summary>
    internal NamespaceView? NamespaceOf(ReplicaIdentity replica) => NamespacesOf(replica).FirstOrDefault();

    /// <summary>
    /// Every block device the kernel shows for the replica: more than one while a lost namespace comes back under a new
    /// name and the old one is not gone yet.
    /// </summary>
    internal IEnumerable<NamespaceView> NamespacesOf(ReplicaIdentity replica) =>
        Namespaces.Values.Where(n => ReplicaMatch.Matches(replica, n.SubsystemNqn, n.Namespace));
}
