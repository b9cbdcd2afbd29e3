using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// Turns two views of the host, before and after a kernel notification, into typed events. Pure: the same two views
/// always give the same events, in the order a reader expects (a member fails before the array is degraded; a member
/// is back before its rebuild starts; the rebuild finishes before the array is optimal).
/// </summary>
internal static class EventDerivation
{
    internal static List<ReplicaEvent> Derive(HostView before, HostView after, DateTimeOffset now)
    {
        var events = new List<ReplicaEvent>();
        DeriveControllers(before, after, now, events);
        // At first sight every namespace is "new": none of them is a path coming back.
        if (!ReferenceEquals(before, HostView.Empty))
            DeriveNamespaces(before, after, now, events);
        foreach (var (name, array) in after.Arrays)
            DeriveArray(before.Arrays.GetValueOrDefault(name), array, now, events);
        foreach (var (name, old) in before.Arrays)
            // md clears the array (array_state "clear") before the device goes: one stop, whichever is seen.
            if (old.Running && (!after.Arrays.TryGetValue(name, out var now2) || !now2.Running))
                events.Add(Array(ReplicaEventKind.ArrayStopped, old, now, null));
        return events;
    }

    private static void DeriveArray(ArrayView? before, ArrayView after, DateTimeOffset now, List<ReplicaEvent> events)
    {
        if (!after.Running)
            return;
        bool wasRunning = before is { Running: true };
        // Members: a first sight of the array reports only what is wrong now (a faulty member), so a restarted monitor
        // records a failure it did not see happen.
        foreach (var (name, member) in after.Members)
        {
            var old = wasRunning ? before!.Members.GetValueOrDefault(name) : null;
            if (member.IsFaulty && old is not { IsFaulty: true })
                events.Add(Member(ReplicaEventKind.MemberFaulty, after, member.Replica ?? old?.Replica, name, now, member.Flags.ToString()));
            // New, or the same name faulty a moment ago and working now (removed and re-added between two looks).
            else if (wasRunning && (old is null || old.IsFaulty) && !member.IsFaulty)
                events.Add(Member(ReplicaEventKind.MemberReAdded, after, member.Replica, name, now, member.IsActive ? "in sync" : "rebuilding"));
        }
        if (wasRunning)
        {
            foreach (var (name, old) in before!.Members)
            {
                if (after.Members.ContainsKey(name))
                    continue;
                // md never lets a working member go without failing it: one that vanished between two looks failed
                // (typically its namespace went away, and with it the member's sysfs link to its device).
                if (!old.IsFaulty)
                    events.Add(Member(ReplicaEventKind.MemberFaulty, after, old.Replica, name, now, "failed: its device is gone"));
                events.Add(Member(ReplicaEventKind.MemberRemoved, after, old.Replica, name, now, old.IsFaulty ? "faulty member removed" : "removed"));
            }
        }

        bool wasRebuilding = wasRunning && before!.Rebuilding;
        // A rebuild seen running is not finished while its member is still not in sync: md marks the member in sync and
        // goes idle at nearly the same moment, and a look that reads the member just before and sync_action just after
        // sees it idle with its member still rebuilding. The next look (the member's state notifies) finishes it.
        bool rebuilding = after.Rebuilding || (wasRebuilding && after.HasSlotBeingFilled);
        if (rebuilding && !wasRebuilding)
            events.Add(Array(ReplicaEventKind.RebuildStarted, after, now, after.SyncAction.ToString().ToLowerInvariant()));
        else if (rebuilding && after.RebuildTenths is int tenths && tenths != before!.RebuildTenths && tenths is > 0 and < 10)
            events.Add(Array(ReplicaEventKind.RebuildProgress, after, now, $"{tenths * 10}% ({after.SyncCompleted})"));
        if (wasRebuilding && !rebuilding)
            events.Add(Array(ReplicaEventKind.RebuildFinished, after, now, before!.SyncAction.ToString().ToLowerInvariant()));

        bool wasImpaired = wasRunning && before!.Impaired;
        // A small bitmap recovery can start and end between two looks: a slot filled again by a member that was not in
        // sync before is a rebuild that finished, seen or not.
        if (!wasRebuilding && !rebuilding && wasImpaired && !after.Impaired
            && after.Members.Any(m => m.Value.IsActive && before!.Members.GetValueOrDefault(m.Key) is not { IsActive: true }))
            events.Add(Array(ReplicaEventKind.RebuildFinished, after, now, "finished between two looks"));
        if (after.Impaired && !wasImpaired)
            events.Add(Array(ReplicaEventKind.ArrayDegraded, after, now, $"{after.Degraded} slot(s) without an in-sync mirror"));
        else if (!after.Impaired && wasImpaired)
            events.Add(Array(ReplicaEventKind.ArrayOptimal, after, now, null));
    }

    private static void DeriveNamespaces(HostView before, HostView after, DateTimeOffset now, List<ReplicaEvent> events)
    {
        foreach (var (name, old) in before.Namespaces)
        {
            if (after.Namespaces.ContainsKey(name))
                continue;
            var replica = before.ReplicaOf(name);
            var (record, array) = Owner(before, replica);
            events.Add(new ReplicaEvent(ReplicaEventKind.PathLost, now, record?.Alias, record?.ArrayUuid, array?.Device.Value,
                replica?.TargetNqn ?? old.SubsystemNqn, replica?.Namespace, [name, .. old.Controllers], "namespace block device gone"));
        }
        foreach (var (name, ns) in after.Namespaces)
        {
            if (before.Namespaces.ContainsKey(name) || !Known(before, after, ns))
                continue;
            var replica = after.ReplicaOf(name);
            var (record, array) = Owner(after, replica);
            events.Add(new ReplicaEvent(ReplicaEventKind.PathRestored, now, record?.Alias, record?.ArrayUuid, array?.Device.Value,
                replica?.TargetNqn ?? ns.SubsystemNqn, replica?.Namespace, [name, .. ns.Controllers], "namespace block device present"));
        }
    }

    // A namespace appearing is news only for a replica the monitor cares about: one a record names, or one of a
    // subsystem whose namespaces it saw before (a brand-new unrelated attach is not a "restored" path).
    private static bool Known(HostView before, HostView after, NamespaceView ns) =>
        after.Records.Any(r => r.Replicas.Any(e => ReplicaMatch.Matches(e.Replica, ns.SubsystemNqn, ns.Namespace)))
        || before.Namespaces.Values.Any(n => n.SubsystemNqn == ns.SubsystemNqn);

    private static void DeriveControllers(HostView before, HostView after, DateTimeOffset now, List<ReplicaEvent> events)
    {
        foreach (var (name, controller) in after.Controllers)
        {
            var old = before.Controllers.GetValueOrDefault(name);
            if (old is null || old.State == controller.State)
                continue;
            ReplicaEventKind? kind = controller.State switch
            {
                ControllerState.Live => ReplicaEventKind.ControllerLive,
                ControllerState.Resetting or ControllerState.Connecting when old.State == ControllerState.Live => ReplicaEventKind.ControllerReconnecting,
                _ => null,
            };
            if (kind is { } k)
                events.Add(new ReplicaEvent(k, now, null, null, null, controller.SubsystemNqn, null, [name],
                    $"{Word(old.State)} -> {Word(controller.State)}"));
        }
    }

    private static (ReplicaStateRecord? Record, ArrayView? Array) Owner(HostView view, ReplicaIdentity? replica)
    {
        if (replica is null)
            return (null, null);
        var record = view.RecordOf(replica);
        var array = record is null ? null : view.Arrays.Values.FirstOrDefault(a => a.Uuid == record.ArrayUuid);
        return (record, array);
    }

    private static string Word(ControllerState state) => state.ToString().ToLowerInvariant();

    private static ReplicaEvent Array(ReplicaEventKind kind, ArrayView array, DateTimeOffset now, string? detail) =>
        new(kind, now, array.Record?.Alias, array.Uuid, array.Device.Value, null, null, [array.Device.Value], detail);

    private static ReplicaEvent Member(ReplicaEventKind kind, ArrayView array, ReplicaIdentity? replica, string member,
        DateTimeOffset now, string? detail) =>
        new(kind, now, array.Record?.Alias, array.Uuid, array.Device.Value, replica?.TargetNqn, replica?.Namespace,
            [array.Device.Value, member], detail);
}
