using System.Diagnostics;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.ReplicaState;

namespace NvmeNative.Connector;

/// <summary>
/// Replicated volumes (<c>volume_replicas</c>): each replica is a target of its own, attached as a single volume
/// is; the replicas' devices are the mirrors of an md RAID1 array named by the volume's <c>alias</c>, and the
/// caller gets <c>/dev/md/ALIAS</c>. This is os-brick's <c>_connect_volume_replicated</c> and its detach, extend and
/// paths, done with md ioctls. How the array comes up (create, assemble, adopt) is <see cref="ArrayBringUp"/>'s call.
/// </summary>
internal sealed class ReplicatedVolume(ConnectorContext context)
{
    internal const string AttachOperation = "connect replicated volume";

    private readonly TargetAttacher _attacher = new(context);
    private readonly TargetDetacher _detacher = new(context);
    private readonly TargetExtender _extender = new(context);
    private readonly VolumeRecordKeeper _records = new(context);

    /// <summary>
    /// Attaches every replica (one that fails is rolled back and left out, as os-brick does), then brings the array
    /// up (<see cref="ArrayBringUp"/>). On failure everything this call did is undone: the array it started is
    /// stopped and the controllers it created are deleted.
    /// </summary>
    internal async ValueTask<AttachedVolume> AttachAsync(ConnectionProperties properties, bool async, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var plans = await AttachPlan.PrepareAllAsync(context, properties, async, ct).ConfigureAwait(false);
        string alias = name?.Value ?? "(no alias)";
        var key = VolumeRecordKeeper.KeyOf(properties);
        var host = plans[0].Host.HostNqn;

        using var hostLock = await context.LockHostAsync(async, ct).ConfigureAwait(false);
        long start = Stopwatch.GetTimestamp();
        var (record, unavailable) = await _records.ReadAsync(key, async, ct).ConfigureAwait(false);
        _records.RequireOwnership(record, host, properties.AllowTakeover);
        return await AttachRollback.RunAsync(context, alias, AttachOperation, async journal =>
        {
            var replicas = new List<ReplicaLeg>();
            var devices = new Dictionary<int, string>();
            var attached = new List<AttachedVolume>();
            for (int i = 0; i < plans.Count; i++)
            {
                var (volume, error) = await AttachReplicaAsync(plans[i], i, alias, journal, async, ct).ConfigureAwait(false);
                if (volume is not null)
                {
                    attached.Add(volume);
                    devices[i] = volume.Path;
                }
                replicas.Add(new ReplicaLeg(i, plans[i].Target.SubsystemNqn.Value, volume?.Path, error));
            }
            if (attached.Count == 0)
                throw new NvmeNativeException(
                    $"no replica of {alias} could be attached: " + string.Join("; ", replicas.Select(r => $"[{r.Index}] {r.Error}")),
                    AttachOperation);

            var replication = await new ArrayBringUp(context).BringUpAsync(properties, name, record, devices, replicas, journal, async, ct)
                .ConfigureAwait(false);
            Activity.Current?.SetTag(Telemetry.Tags.MdAction, replication.Action.ToString().ToLowerInvariant());
            if (replication.Array is { } up)
                Activity.Current?.SetTag(Telemetry.Tags.MdDevice, up.Device.Value);
            if (replication.Start is { } decision)
            {
                var healing = devices.Where(d => replication.Healing.Contains(d.Value)).Select(d => d.Key).ToHashSet();
                string? written = await _records.RecordAttachAsync(key, VolumeRecordKeeper.IdentitiesOf(properties), host, decision, replication.Array,
                    healing, async, ct).ConfigureAwait(false);
                replication = replication with { RecordWarning = unavailable ?? written };
            }
            string path = replication.Array is { } array ? array.Link ?? array.Node : attached[0].Path;
            ConnectorLog.ReplicatedAttached(context.Log, alias, path, replication.Action.ToString(), replication.Array?.Device.Value ?? "-",
                string.Join(", ", devices.Values), replication.Degraded, (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            return new AttachedVolume(path,
                attached.SelectMany(a => a.CreatedControllers).ToList(),
                attached.SelectMany(a => a.ReusedControllers).ToList(),
                attached.SelectMany(a => a.PathControllers).ToList())
            {
                Replication = replication,
            };
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// One replica's attach with its own journal: on failure it is rolled back at once and null is returned (the
    /// volume may still come up from the others) with the reason; on success its undo steps join the volume's journal.
    /// </summary>
    private async ValueTask<(AttachedVolume? Volume, string? Error)> AttachReplicaAsync(AttachPlan plan, int index, string alias,
        UndoJournal journal, bool async, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.Replica, ct);
        if (span is not null)
        {
            span.SetTag(Telemetry.Tags.Replica, index);
            span.SetTag(Telemetry.Tags.Nqn, plan.Target.SubsystemNqn.Value);
        }
        var own = new UndoJournal();
        try
        {
            var volume = await _attacher.AttachAsync(plan, own, async, ct).ConfigureAwait(false);
            journal.Append(own);
            span?.SetTag(Telemetry.Tags.Device, volume.Path);
            return (volume, null);
        }
        catch (NvmeNativeException e)
        {
            span.Failed(e);
            AttachRollback.Log(context, plan.Target.SubsystemNqn.Value, e.Message, AttachRollback.Undo(own));
            ConnectorLog.ReplicaFailed(context.Log, index, plan.Target.SubsystemNqn.Value, alias, e.Message);
            Spans.Count(Telemetry.ReplicaFailures, Telemetry.Tags.Replica, index);
            return (null, e.Message);
        }
        catch (Exception e)
        {
            span.Failed(e);
            AttachRollback.Undo(own); // cancelled, or an unexpected failure: the volume's journal undoes the rest
            throw;
        }
    }

    /// <summary>
    /// os-brick's <c>disconnect_volume</c> for a replicated volume (its <c>end_raid</c>, then each replica), ordered so
    /// that nothing waits on a dead path: a replica that is dead (no live controller, or already faulty in the array) is
    /// failed out of the array, its controllers deleted (which fails whatever I/O still waits for them) and the member
    /// removed, all before the array is flushed and stopped (removing /dev/md/ALIAS and its map entry); then every
    /// other replica is detached as a single volume. A failed flush or stop ends the detach with everything in place,
    /// unless <paramref name="force"/>; even then an array that could not be stopped keeps its replicas' controllers
    /// (deleting them would pull its mirrors from under it): the detach stops there and says what is left and why.
    /// </summary>
    internal async ValueTask<DetachedVolume> DetachAsync(ConnectionProperties properties, string? devicePath, bool force, bool ignoreErrors,
        bool async, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = await AttachPlan.ResolvePortalsAsync(context, properties.Targets, async, ct).ConfigureAwait(false);
        var key = VolumeRecordKeeper.KeyOf(properties);

        using var hostLock = await context.LockHostAsync(async, ct).ConfigureAwait(false);
        var outcome = new DetachOutcome();
        var lookups = targets.Select(t => VolumeLookup.Find(context, t)).ToList();
        var legs = lookups.Select(l => l.Namespace?.DevicePath).ToList();
        var md = RunningArrayOf(legs);
        string? path = devicePath ?? properties.DevicePath ?? (md is not null && name is { } n ? context.Md.LinkPath(n) : null);
        bool stopped = false;
        HashSet<int> inSync = [];
        var detachedFirst = new HashSet<int>();
        if (md is { } device)
        {
            string subject = name?.Value ?? device.Value;
            var uuid = context.Md.UuidOf(device);
            Activity.Current?.SetTag(Telemetry.Tags.MdDevice, device.Value);
            detachedFirst = await DetachDeadLegsFirstAsync(device, subject, targets, lookups, force, ignoreErrors, outcome, async, ct).ConfigureAwait(false);
            inSync = InSyncReplicas(device, legs);
            _detacher.FlushOrTolerate(context.Md.NodePath(device), force, subject, outcome);
            try
            {
                stopped = await context.Md.StopAsync(device, uuid, async, ct).ConfigureAwait(false);
            }
            catch (NvmeNativeException e) when (force)
            {
                ConnectorLog.DetachErrorTolerated(context.Log, subject, e.Message);
                outcome.Errors.Add(e);
            }
            var left = Enumerable.Range(0, targets.Count).Where(i => !detachedFirst.Contains(i)).ToList();
            if (!stopped && RunningArrayOf(left.Select(i => legs[i]).ToList()) == device)
            {
                outcome.Errors.Add(new NvmeNativeException(
                    $"the md array {device} of {subject} is still running (it could not be stopped: {outcome.Errors.LastOrDefault()?.Message ?? "unknown"}); " +
                    "the controllers of its replicas are left in place, since deleting them would pull its mirrors from under it: " +
                    string.Join(", ", left.SelectMany(i => lookups[i].Controllers).Select(c => c.Name)) +
                    ". Stop whatever holds the array open, then detach again", "disconnect volume", context.Md.NodePath(device)));
                return outcome.Finish(path ?? context.Md.NodePath(device), ignoreErrors);
            }
        }
        if (name is { } alias && (md is null || stopped))
        {
            // Its array is gone (os-brick's end_raid removes the link too). A detach killed between STOP_ARRAY and the
            // cleanup that follows it left the link or the map entry of the stopped array; this is where they go.
            context.Md.RemoveLeftoversOf(alias);
        }
        if (properties.Alias is not null && (md is null || stopped))
        {
            // The array stopped (or was not running here): its members' superblocks now hold the final event count.
            ulong? final = inSync.Select(i => legs[i]).OfType<string>().Select(ExaminedEvents).Max();
            // A failed write is logged and never fails the detach: the next attach or detach writes the record again.
            await _records.RecordDetachAsync(key, VolumeRecordKeeper.IdentitiesOf(properties), context.AttachedHostNqn(targets[0]), final, inSync,
                async, ct).ConfigureAwait(false);
        }
        var remaining = Enumerable.Range(0, targets.Count).Where(i => !detachedFirst.Contains(i)).ToList();
        if (md is not null && stopped && remaining.Count > 1)
            return DetachReplicasSideBySide(targets, remaining, force, ignoreErrors, outcome, path);
        foreach (int i in remaining)
        {
            // The array's stop flushed it; a replica is flushed only when it was used without md (one replica).
            string? leg = _detacher.Detach(targets[i], null, force, ignoreErrors, outcome, flush: md is null);
            path ??= leg;
        }
        return outcome.Finish(path, ignoreErrors);
    }

    /// <summary>
    /// Detaches the replicas left once the array stopped, all at once: the stop flushed the array and the replicas are
    /// independent now, and each controller delete waits for the kernel to tear its queues and connection down, so
    /// one after another a detach takes that wait once per replica (4 replicas: 426 ms against 256 for 2, 6.1 lab).
    /// Each leg is a <see cref="Telemetry.Activities.Replica"/> span of its own (siblings that overlap) with its own
    /// outcome, taken into the detach's in replica order; a leg that fails adds its error as it would in sequence and
    /// no other leg is left out for it.
    /// </summary>
    private DetachedVolume DetachReplicasSideBySide(List<TargetProperties> targets, List<int> legs, bool force, bool ignoreErrors,
        DetachOutcome outcome, string? path)
    {
        var results = new (string? Path, DetachOutcome Outcome, Exception? Error)[legs.Count];
        Parallel.For(0, legs.Count, k =>
        {
            int index = legs[k];
            using var span = Spans.Start(Telemetry.Activities.Replica);
            span?.SetTag(Telemetry.Tags.Replica, index);
            span?.SetTag(Telemetry.Tags.Nqn, targets[index].SubsystemNqn.Value);
            var own = new DetachOutcome();
            try
            {
                results[k] = (_detacher.Detach(targets[index], null, force, ignoreErrors, own, flush: false), own, null);
            }
            catch (Exception e)
            {
                span.Failed(e);
                results[k] = (null, own, e);
            }
        });
        foreach (var (leg, own, _) in results)
        {
            outcome.Absorb(own);
            path ??= leg;
        }
        if (results.FirstOrDefault(r => r.Error is not null).Error is { } first)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        return outcome.Finish(path, ignoreErrors);
    }

    /// <summary>
    /// Takes every dead replica out before the array is flushed: a member of <paramref name="md"/> whose target has no
    /// live controller, or that md already failed. Each is marked faulty (unless it is the last in-sync mirror), its
    /// controllers are deleted (any I/O still queued for them fails at once), and the member is removed from the array.
    /// When every member is dead, a flush cannot succeed: without <paramref name="force"/> the detach ends here with
    /// everything in place. Returns the replicas detached.
    /// </summary>
    private async ValueTask<HashSet<int>> DetachDeadLegsFirstAsync(MdDeviceName md, string subject, List<TargetProperties> targets,
        List<VolumeLookup> lookups, bool force, bool ignoreErrors, DetachOutcome outcome, bool async, CancellationToken ct)
    {
        var members = context.Md.GetState(md)?.Members ?? [];
        var dead = new List<(int Index, MdMemberState Member, string Why)>();
        int inArray = 0;
        for (int i = 0; i < targets.Count; i++)
        {
            if (lookups[i].Namespace is not { } ns || members.FirstOrDefault(m => m.KernelName == ns.Name) is not { } member)
                continue;
            inArray++;
            if (member.Flags.HasFlag(MdMemberFlags.Faulty))
                dead.Add((i, member, "faulty in the array"));
            else if (!lookups[i].Controllers.Any(c => c.IsLive))
                dead.Add((i, member, "no live controller: " + string.Join(", ", lookups[i].Controllers.Select(c => $"{c.Name} {c.StateName ?? "gone"}"))));
        }
        if (dead.Count > 0 && dead.Count == inArray && !force)
            throw new NvmeNativeException(
                $"no replica of {subject} is reachable ({string.Join("; ", dead.Select(d => $"[{d.Index}] {d.Member.KernelName}: {d.Why}"))}): " +
                "the array cannot be flushed; detach again when a replica is back, or with force (data not yet written is lost)",
                "disconnect volume", context.Md.NodePath(md));
        var detached = new HashSet<int>();
        foreach (var (index, member, why) in dead)
        {
            ConnectorLog.DeadLegDetachedFirst(context.Log, subject, index, member.KernelName, md.Value, why);
            if (!member.Flags.HasFlag(MdMemberFlags.Faulty))
                Tolerate(subject, "not failed: ", () => context.Md.FailMember(md, member.KernelName));
            _detacher.Detach(targets[index], null, force, ignoreErrors, outcome, flush: false);
            detached.Add(index);
            if (context.Md.GetState(md)?.Members.Any(m => m.KernelName == member.KernelName) == true)
            {
                try
                {
                    await context.Md.RemoveMemberAsync(md, member.KernelName, null, async, ct).ConfigureAwait(false);
                }
                catch (NvmeNativeException e)
                {
                    ConnectorLog.DetachErrorTolerated(context.Log, subject, "not removed: " + e.Message); // it goes with the array's stop
                }
            }
        }
        return detached;
    }

    /// <summary>
    /// A member step of a detach that is not worth failing it: md refuses to fail the last in-sync mirror (the array
    /// goes on over it until stopped), and a member not removed now goes with the array's stop.
    /// </summary>
    private void Tolerate(string subject, string what, Action step)
    {
        try
        {
            step();
        }
        catch (NvmeNativeException e)
        {
            ConnectorLog.DetachErrorTolerated(context.Log, subject, what + e.Message);
        }
    }

    /// <summary>The replicas (by index) whose devices are in-sync members of the running array now.</summary>
    private HashSet<int> InSyncReplicas(MdDeviceName md, List<string?> legs)
    {
        var active = context.Md.GetState(md)?.Members.Where(m => m.IsActive).Select(m => m.KernelName).ToHashSet(StringComparer.Ordinal) ?? [];
        return Enumerable.Range(0, legs.Count).Where(i => legs[i] is { } d && active.Contains(Path.GetFileName(d))).ToHashSet();
    }

    /// <summary>A member's event count from its superblock, or null when it cannot be read (the detach goes on).</summary>
    private ulong? ExaminedEvents(string device)
    {
        try
        {
            return context.Md.Examine(device)?.Events;
        }
        catch (NvmeNativeException)
        {
            return null;
        }
    }

    /// <summary>os-brick's <c>get_volume_paths</c> for a replicated volume: /dev/md/ALIAS while the array runs.</summary>
    internal async ValueTask<IReadOnlyList<string>> PathsAsync(ConnectionProperties properties, bool async, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = await AttachPlan.ResolvePortalsAsync(context, properties.Targets, async, ct).ConfigureAwait(false);
        if (RunningArrayOf(targets) is { } md)
            return [name is { } n && context.Md.LinkTarget(n) == md ? context.Md.LinkPath(n) : context.Md.NodePath(md)];
        // One replica used without md is its plain device; one that carries md metadata is a stopped array's member.
        if (properties.ReplicaCount == 1 && ReplicaDevice(targets[0]) is { } plain && !context.Md.CarriesMetadata(plain))
            return [plain];
        return [];
    }

    /// <summary>
    /// os-brick's <c>extend_volume</c> for a replicated volume: every attached replica is extended as a single volume
    /// is, then the array grows to its mirrors' new size (mdadm --grow --size=max). Returns the array's new size in
    /// bytes when every replica took the new size; when one is missing here or did not grow (smaller than the largest),
    /// the array still grows as far as the others allow and <see cref="ReplicaExtendIncompleteException"/> says so,
    /// naming each such replica and carrying the size the array serves now.
    /// </summary>
    internal async ValueTask<long> ExtendAsync(ConnectionProperties properties, bool async, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = await AttachPlan.ResolvePortalsAsync(context, properties.Targets, async, ct).ConfigureAwait(false);
        foreach (var target in targets)
            TargetExtender.RequireVolumeIdentity(target, null);

        using var hostLock = await context.LockHostAsync(async, ct).ConfigureAwait(false);
        var md = RunningArrayOf(targets);
        var sizes = new Dictionary<int, long>();
        var notExtended = new List<ReplicaNotExtended>();
        NvmeNativeException? firstFailure = null;
        for (int i = 0; i < targets.Count; i++)
        {
            string nqn = targets[i].SubsystemNqn.Value;
            try
            {
                sizes[i] = await _extender.ExtendAsync(targets[i], null, async, ct).ConfigureAwait(false);
            }
            catch (NvmeNativeException e) when (md is not null)
            {
                // A degraded volume: the missing replica must be extended before it can come back.
                ConnectorLog.ReplicaMissing(context.Log, i, nqn, name?.Value ?? md.Value.Value, e.Message);
                notExtended.Add(new ReplicaNotExtended(i, nqn, null, "not extended: " + e.Message));
                firstFailure ??= e;
            }
        }
        if (md is not { } device)
            return sizes.Count > 0 ? sizes.Values.Max()
                : throw new VolumeNotFoundException($"the replicated volume {name} is not attached here", TargetExtender.Operation, null);
        if (sizes.Count == 0)
            throw firstFailure!;
        long largest = sizes.Values.Max();
        foreach (var (i, size) in sizes.Where(s => s.Value < largest))
            notExtended.Add(new ReplicaNotExtended(i, targets[i].SubsystemNqn.Value, size,
                $"its target reports {size} bytes, less than the {largest} of the largest replica (not grown on its backend?)"));
        for (int i = targets.Count; i < properties.ReplicaCount; i++)
            notExtended.Add(new ReplicaNotExtended(i, "(not listed)", null, "the volume has more replicas than volume_replicas lists"));
        long grown = context.Md.Grow(device);
        if (notExtended.Count == 0)
            return grown;
        string alias = name?.Value ?? device.Value;
        throw new ReplicaExtendIncompleteException(alias, grown, notExtended.OrderBy(r => r.Index).ToList(),
            name is { } n ? context.Md.LinkPath(n) : context.Md.NodePath(device));
    }

    /// <summary>
    /// The running array of the volume: the md device holding its replicas' devices (the /dev/md/ALIAS link alone is
    /// not trusted: md numbers are reused, and a stale link may name another volume's array). Null when no replica
    /// device is held by an array.
    /// </summary>
    private MdDeviceName? RunningArrayOf(List<TargetProperties> targets) => RunningArrayOf(targets.Select(ReplicaDevice).ToList());

    private MdDeviceName? RunningArrayOf(List<string?> replicaDevices)
    {
        var holders = replicaDevices.OfType<string>()
            .Select(context.Md.HolderOf).OfType<MdDeviceName>().Distinct().ToList();
        return holders.Count switch
        {
            0 => null,
            1 => holders[0],
            _ => throw new NvmeNativeException(
                $"the replicas are held by different md arrays ({string.Join(", ", holders)}); refusing to guess which is the volume",
                AttachOperation),
        };
    }

    /// <summary>The replica's namespace device on this host now (no waiting), or null.</summary>
    private string? ReplicaDevice(TargetProperties target) => VolumeLookup.Find(context, target).Namespace?.DevicePath;

    /// <summary>
    /// The md array name from <c>alias</c>: null only for a single-replica volume without one (the parser requires it
    /// for several replicas and checks it against md's name rules).
    /// </summary>
    private static MdArrayName? AliasOf(ConnectionProperties properties) =>
        properties.Alias is not { } alias ? null
        : MdArrayName.TryParse(alias, out var name) ? name
        : throw new InvalidInputException($"{InputText.Quote(alias)} cannot name an md array", AttachOperation, "alias");
}
