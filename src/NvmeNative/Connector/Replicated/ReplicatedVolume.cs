using System.Diagnostics;
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
    internal AttachedVolume Attach(ConnectionProperties properties, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var plans = properties.Targets.Select(t => AttachPlan.Prepare(context, t, properties, ct)).ToList();
        string alias = name?.Value ?? "(no alias)";
        var key = VolumeRecordKeeper.KeyOf(properties);
        var host = plans[0].Host.HostNqn;

        using var hostLock = context.LockHost(ct);
        long start = Stopwatch.GetTimestamp();
        var (record, unavailable) = _records.Read(key, ct);
        _records.RequireOwnership(record, host, properties.AllowTakeover);
        return AttachRollback.Run(context, alias, AttachOperation, journal =>
        {
            var replicas = new List<ReplicaLeg>();
            var devices = new Dictionary<int, string>();
            var attached = new List<AttachedVolume>();
            for (int i = 0; i < plans.Count; i++)
            {
                var (volume, error) = AttachReplica(plans[i], i, alias, journal, ct);
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

            var replication = new ArrayBringUp(context).BringUp(properties, name, record, devices, replicas, journal, ct);
            if (replication.Start is { } decision)
            {
                var healing = devices.Where(d => replication.Healing.Contains(d.Value)).Select(d => d.Key).ToHashSet();
                string? written = _records.RecordAttach(key, VolumeRecordKeeper.IdentitiesOf(properties), host, decision, replication.Array, healing, ct);
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
        });
    }

    /// <summary>
    /// One replica's attach with its own journal: on failure it is rolled back at once and null is returned (the
    /// volume may still come up from the others) with the reason; on success its undo steps join the volume's journal.
    /// </summary>
    private (AttachedVolume? Volume, string? Error) AttachReplica(AttachPlan plan, int index, string alias, UndoJournal journal, CancellationToken ct)
    {
        var own = new UndoJournal();
        try
        {
            var volume = _attacher.Attach(plan, own, ct);
            journal.Append(own);
            return (volume, null);
        }
        catch (NvmeNativeException e)
        {
            AttachRollback.Log(context, plan.Target.SubsystemNqn.Value, e.Message, own.Rollback());
            ConnectorLog.ReplicaFailed(context.Log, index, plan.Target.SubsystemNqn.Value, alias, e.Message);
            return (null, e.Message);
        }
        catch (Exception)
        {
            own.Rollback(); // cancelled, or an unexpected failure: the volume's journal undoes the rest
            throw;
        }
    }

    /// <summary>
    /// os-brick's <c>disconnect_volume</c> for a replicated volume (its <c>end_raid</c>, then each replica): flush the
    /// array and stop it (removing /dev/md/ALIAS and its map entry), then detach every replica as a single volume.
    /// A failed flush or stop ends the detach with everything in place, unless <paramref name="force"/>.
    /// </summary>
    internal DetachedVolume Detach(ConnectionProperties properties, string? devicePath, bool force, bool ignoreErrors, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = properties.Targets.Select(t => AttachPlan.ResolvePortals(context, t, ct)).ToList();
        var key = VolumeRecordKeeper.KeyOf(properties);

        using var hostLock = context.LockHost(ct);
        var outcome = new DetachOutcome();
        var legs = targets.Select(ReplicaDevice).ToList();
        var md = RunningArrayOf(legs);
        string? path = devicePath ?? properties.DevicePath ?? (md is not null && name is { } n ? context.Md.LinkPath(n) : null);
        bool stopped = false;
        HashSet<int> inSync = [];
        if (md is { } device)
        {
            string subject = name?.Value ?? device.Value;
            var uuid = context.Md.UuidOf(device);
            inSync = InSyncReplicas(device, legs);
            _detacher.FlushOrTolerate(context.Md.NodePath(device), force, subject, outcome);
            try
            {
                stopped = context.Md.Stop(device, uuid, ct);
            }
            catch (NvmeNativeException e) when (force)
            {
                ConnectorLog.DetachErrorTolerated(context.Log, subject, e.Message);
                outcome.Errors.Add(e);
            }
        }
        else if (name is { } alias)
        {
            context.Md.RemoveDanglingLink(alias); // its array is gone (os-brick's end_raid removes the link too)
        }
        if (properties.Alias is not null && (md is null || stopped))
        {
            // The array stopped (or was not running here): its members' superblocks now hold the final event count.
            ulong? final = inSync.Select(i => legs[i]).OfType<string>().Select(ExaminedEvents).Max();
            // A failed write is logged and never fails the detach: the next attach or detach writes the record again.
            _records.RecordDetach(key, VolumeRecordKeeper.IdentitiesOf(properties), context.AttachedHostNqn(targets[0]), final, inSync, ct);
        }
        foreach (var target in targets)
        {
            // The array's stop flushed it; a replica is flushed only when it was used without md (one replica).
            string? leg = _detacher.Detach(target, null, force, ignoreErrors, outcome, flush: md is null);
            path ??= leg;
        }
        return outcome.Finish(path, ignoreErrors);
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
    internal IReadOnlyList<string> Paths(ConnectionProperties properties)
    {
        var name = AliasOf(properties);
        var targets = properties.Targets.Select(t => AttachPlan.ResolvePortals(context, t, CancellationToken.None)).ToList();
        if (RunningArrayOf(targets) is { } md)
            return [name is { } n && context.Md.LinkTarget(n) == md ? context.Md.LinkPath(n) : context.Md.NodePath(md)];
        // One replica used without md is its plain device; one that carries md metadata is a stopped array's member.
        if (properties.ReplicaCount == 1 && ReplicaDevice(targets[0]) is { } plain && !context.Md.CarriesMetadata(plain))
            return [plain];
        return [];
    }

    /// <summary>
    /// os-brick's <c>extend_volume</c> for a replicated volume: every attached replica is extended as a single volume
    /// is (a replica not attached here is skipped), then the array grows to its mirrors' new size (mdadm --grow
    /// --size=max). Returns the array's new size in bytes.
    /// </summary>
    internal long Extend(ConnectionProperties properties, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = properties.Targets.Select(t => AttachPlan.ResolvePortals(context, t, ct)).ToList();
        foreach (var target in targets)
            TargetExtender.RequireVolumeIdentity(target, null);

        using var hostLock = context.LockHost(ct);
        var md = RunningArrayOf(targets);
        long? plain = null;
        int extended = 0;
        NvmeNativeException? firstFailure = null;
        for (int i = 0; i < targets.Count; i++)
        {
            try
            {
                plain = _extender.Extend(targets[i], null, ct);
                extended++;
            }
            catch (NvmeNativeException e) when (md is not null)
            {
                // A degraded volume: the missing replica is extended when it comes back and is re-added.
                ConnectorLog.ReplicaMissing(context.Log, i, targets[i].SubsystemNqn.Value, name?.Value ?? md.Value.Value, e.Message);
                firstFailure ??= e;
            }
        }
        if (md is { } device)
            return extended > 0 ? context.Md.Grow(device) : throw firstFailure!;
        return plain ?? throw new VolumeNotFoundException($"the replicated volume {name} is not attached here", TargetExtender.Operation, null);
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
