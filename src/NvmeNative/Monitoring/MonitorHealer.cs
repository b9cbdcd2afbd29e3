using Microsoft.Extensions.Logging;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.ReplicaState;
using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// The monitor's heal policy carried out: a replica the record says failed (or being rebuilt) whose namespace is
/// reachable and whose controller is live again is re-added through the bitmap, added for a full rebuild when md
/// refuses the re-add or the replica came back blank, and refused (once per device and reason, as an event) when its
/// superblock says it is not ours to add (<see cref="HealPolicy"/>).
/// </summary>
internal sealed class MonitorHealer(KernelPaths paths, MdArrays md, IReplicaStateStore store, ILogger log, MissingNamespaceRescans rescans,
    Func<long> nowMilliseconds, Action<TimeSpan> wakeIn)
{
    private readonly Func<long> _nowMilliseconds = nowMilliseconds;
    private readonly Action<TimeSpan> _wakeIn = wakeIn;
    // Per device: re-adds of a replica back under the device md holds as faulty (one that fails again at once would
    // otherwise be removed and re-added in a loop).
    private readonly RetryPacing _sameDeviceReAdds = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(320));
    private readonly KernelPaths _paths = paths;
    private readonly MdArrays _md = md;
    private readonly IReplicaStateStore _store = store;
    private readonly ILogger _log = log;
    private readonly HashSet<string> _fullRebuilds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _healRefused = new(StringComparer.Ordinal);

    /// <summary>
    /// True once for a namespace this healer added for a full rebuild: md reports such a member as re-added, and the
    /// monitor says what really happened.
    /// </summary>
    internal bool TakeFullRebuild(string blockName) => _fullRebuilds.Remove(blockName);

    internal void Heal(HostView view, Action<ReplicaEvent> publish, CancellationToken ct)
    {
        var missing = new List<ReplicaIdentity>();
        foreach (var array in view.Arrays.Values)
        {
            if (!array.Running || array.Record is null || array.Uuid is null || !MdUuid.TryParse(array.Uuid, out var uuid))
                continue;
            ReplicaStateRecord? record;
            try
            {
                record = _store.Read(VolumeKey.Create(array.Record.Alias, array.Record.Replicas.Select(r => r.Replica)), ct)?.Record;
            }
            catch (ReplicaStateException e)
            {
                MonitorLog.Warning(_log, $"healing {array.Device}: cannot read its record: {e.Message}");
                continue;
            }
            if (record is null || record.ArrayUuid != array.Uuid)
                continue;
            foreach (var entry in record.Replicas.Where(r => r.State is ReplicaCondition.Failed or ReplicaCondition.Rebuilding))
            {
                HealReplica(view, array, uuid, entry, publish, ct);
                if (!view.NamespacesOf(entry.Replica).Any())
                    missing.Add(entry.Replica);
            }
        }
        rescans.Rescan(view, missing);
    }

    private void HealReplica(HostView view, ArrayView array, MdUuid uuid, ReplicaStateEntry entry, Action<ReplicaEvent> publish, CancellationToken ct)
    {
        if (array.Members.Values.FirstOrDefault(m => m.Replica == entry.Replica && !m.IsFaulty) is { } back)
        {
            _sameDeviceReAdds.Forget(back.KernelName); // in the array again: a later failure starts its pacing afresh
            return;
        }
        if (UsableNamespace(view, array, entry.Replica) is not { } ns)
            return; // not reachable (yet), its controller not live again, or only its old device is there still
        string device = _paths.DevPath(ns.BlockName);
        // Back under the same device (its controller reconnected; the namespace never left the host): md still holds it
        // as the faulty member, which the heal removes before re-adding it. A device that fails again at once would be
        // re-added in a loop, so the re-adds of one device are paced (5 s, doubling to 320 s) until it stays in.
        if (array.Members.TryGetValue(ns.BlockName, out var held) && held.IsFaulty)
        {
            long now = _nowMilliseconds();
            bool due = _sameDeviceReAdds.TryTake(ns.BlockName, now, out _);
            // Woken for the next attempt whether this one is made or not: one that fails (md still busy with the old
            // member's last I/O) may be followed by no event at all.
            _wakeIn(_sameDeviceReAdds.DueIn(ns.BlockName, now)!.Value);
            if (!due)
                return;
        }
        MdMemberExamination? superblock;
        bool otherMetadata;
        try
        {
            superblock = _md.Examine(device);
            otherMetadata = superblock is null && _md.CarriesMetadata(device);
        }
        catch (NvmeNativeException e) when (e.Errno is Errno.ENOENT or Errno.ENXIO or Errno.ENODEV)
        {
            return; // gone since the view was taken: its removal's event wakes the monitor again
        }
        catch (NvmeNativeException e)
        {
            Refuse(array, entry, ns, $"its superblock cannot be read: {e.Message}", publish);
            return;
        }
        var (action, reason) = HealPolicy.Decide(entry, uuid, superblock, otherMetadata);
        if (action == HealAction.None)
            return;
        if (action == HealAction.Refuse)
        {
            Refuse(array, entry, ns, reason, publish);
            return;
        }
        RemoveLeftovers(array, entry);
        using var span = Spans.StartPhase(Telemetry.Activities.Heal, ct);
        span?.SetTag(Telemetry.Tags.MdDevice, array.Device.Value);
        span?.SetTag(Telemetry.Tags.Nqn, entry.Replica.TargetNqn);
        try
        {
            MonitorLog.Healing(_log, array.Device.Value, action == HealAction.ReAdd ? "re-adding" : "adding", device, reason);
            if (action == HealAction.ReAdd)
            {
                try
                {
                    _md.ReAddMember(array.Device, device);
                    Spans.Count(Telemetry.ReAdds, Telemetry.Tags.Kind, "re-add");
                }
                catch (NvmeNativeException e)
                {
                    // md keeps no bitmap that covers it (or refuses for another reason): a full rebuild is the way back.
                    MonitorLog.Healing(_log, array.Device.Value, "adding for a full rebuild", device, "md refused the re-add: " + e.Message);
                    _md.AddMember(array.Device, device, overwriteExistingMetadata: true);
                    Spans.Count(Telemetry.ReAdds, Telemetry.Tags.Kind, "add");
                    _fullRebuilds.Add(ns.BlockName);
                }
            }
            else
            {
                _md.AddMember(array.Device, device);
                Spans.Count(Telemetry.ReAdds, Telemetry.Tags.Kind, "add");
                _fullRebuilds.Add(ns.BlockName);
            }
            _healRefused.Remove(ns.BlockName);
        }
        catch (NvmeNativeException e)
        {
            span.Failed(e);
            var failed = new ReplicaEvent(ReplicaEventKind.HealFailed, DateTimeOffset.UtcNow, array.Record?.Alias, array.Uuid, array.Device.Value,
                entry.Replica.TargetNqn, entry.Replica.Namespace, [array.Device.Value, ns.BlockName], e.Message);
            if (_healRefused.TryAdd(ns.BlockName, failed.Detail!))
                publish(failed);
        }
    }

    /// <summary>
    /// The replica's block device to heal with: one whose controller is live, whose device node exists, and that nothing
    /// holds or that this array holds as its faulty member (a replica whose controller reconnected is back under the same
    /// device; the heal takes that member out first). While a lost namespace comes back under a new name, the old device
    /// can still be listed beside it with its node already gone; it is passed over.
    /// </summary>
    private NamespaceView? UsableNamespace(HostView view, ArrayView array, ReplicaIdentity replica)
    {
        foreach (var ns in view.NamespacesOf(replica))
        {
            if (ns.Controllers.Count > 0 && !ns.Controllers.Any(c => view.Controllers.TryGetValue(c, out var cv) && cv.State == ControllerState.Live))
                continue;
            string device = _paths.DevPath(ns.BlockName);
            if (!File.Exists(device))
                continue;
            var holder = _md.HolderOf(device);
            if (holder is null || (holder == array.Device && array.Members.TryGetValue(ns.BlockName, out var member) && member.IsFaulty))
                return ns;
        }
        return null;
    }

    // A member md failed stays bound (faulty) until removed; when its device went away and came back under another
    // name, the old entry would hold on to the replica forever.
    private void RemoveLeftovers(ArrayView array, ReplicaStateEntry entry)
    {
        try
        {
            // Those whose device went away are not even in sysfs' member list: md's own table finds them.
            foreach (string gone in _md.RemoveDetachedMembers(array.Device))
                MonitorLog.Healing(_log, array.Device.Value, "removed the detached member", gone, "its device is gone");
        }
        catch (NvmeNativeException e)
        {
            MonitorLog.Warning(_log, $"healing {array.Device}: cannot remove detached members: {e.Message}");
        }
        // A faulty member no namespace identifies any more is the lost device itself (5.10 keeps its sysfs entry while md
        // holds it, so the detached-member pass above does not see it): md never uses a faulty member again.
        foreach (var member in array.Members.Values.Where(m => m.IsFaulty && (m.Replica is null || m.Replica == entry.Replica)))
        {
            try
            {
                _md.RemoveMember(array.Device, member.KernelName);
            }
            catch (NvmeNativeException e)
            {
                MonitorLog.Warning(_log, $"healing {array.Device}: cannot remove the faulty member {member.KernelName}: {e.Message}");
            }
        }
    }

    private void Refuse(ArrayView array, ReplicaStateEntry entry, NamespaceView ns, string reason, Action<ReplicaEvent> publish)
    {
        if (_healRefused.TryGetValue(ns.BlockName, out var said) && said == reason)
            return; // said once for this device; said again when it comes back or the reason changes
        _healRefused[ns.BlockName] = reason;
        Spans.Count(Telemetry.Refusals, Telemetry.Tags.Reason, "heal");
        publish(new ReplicaEvent(ReplicaEventKind.HealRefused, DateTimeOffset.UtcNow, array.Record?.Alias, array.Uuid, array.Device.Value,
            entry.Replica.TargetNqn, entry.Replica.Namespace, [array.Device.Value, ns.BlockName], reason));
    }
}
