using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Md;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// Replicated volumes (<c>volume_replicas</c>): each replica is a target of its own, attached as a single volume
/// is; the replicas' devices are the mirrors of an md RAID1 array named by the volume's <c>alias</c>, and the
/// caller gets <c>/dev/md/ALIAS</c>. This is os-brick's <c>_connect_volume_replicated</c> done with md ioctls.
/// </summary>
public sealed partial class NvmeOfConnector
{
    private const string ReplicatedOperation = "connect replicated volume";

    /// <summary>
    /// Attaches every replica (one that fails is rolled back and left out, as os-brick does), then brings the array
    /// up: adopted when the host already runs it; assembled when a replica carries its md superblock (degraded if
    /// replicas are missing, and a stale or blank replica is put back so md resyncs it); created only when no
    /// replica carries md metadata and every replica of <c>replica_count</c> was attached (a new volume). A
    /// single-replica volume without md metadata is returned as its plain device. On failure everything this call
    /// did is undone: the array it started is stopped and the controllers it created are deleted.
    /// </summary>
    private AttachedVolume ConnectReplicated(ConnectionProperties properties, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var plans = properties.Targets.Select(t => PrepareAttach(t, properties, ct)).ToList();
        string alias = name?.Value ?? "(no alias)";

        using var hostLock = HostLock.Acquire(_options.LockFilePath, ct);
        long start = Stopwatch.GetTimestamp();
        return AttachWithRollback(alias, ReplicatedOperation, journal =>
        {
            var replicas = new List<ReplicaLeg>();
            var attached = new List<AttachedVolume>();
            for (int i = 0; i < plans.Count; i++)
            {
                var (volume, error) = AttachReplica(plans[i], i, alias, journal, ct);
                if (volume is not null)
                    attached.Add(volume);
                replicas.Add(new ReplicaLeg(i, plans[i].Target.SubsystemNqn.Value, volume?.Path, error));
            }
            if (attached.Count == 0)
                throw new NvmeNativeException(
                    $"no replica of {alias} could be attached: " + string.Join("; ", replicas.Select(r => $"[{r.Index}] {r.Error}")),
                    ReplicatedOperation);

            var devices = attached.Select(a => a.Path).ToList();
            var replication = BringUpArray(name, properties.ReplicaCount, devices, replicas, journal, ct);
            string path = replication.Array is { } array ? array.Link ?? array.Node : devices[0];
            ConnectorLog.ReplicatedAttached(Log, alias, path, replication.Action.ToString(), replication.Array?.Device.Value ?? "-",
                string.Join(", ", devices), replication.Degraded, (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
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
            var volume = ConnectLocked(plan, own, ct);
            journal.Append(own);
            return (volume, null);
        }
        catch (NvmeNativeException e)
        {
            var (done, failed) = own.Rollback();
            LogRollback(plan.Target.SubsystemNqn.Value, e.Message, done, failed);
            ConnectorLog.ReplicaFailed(Log, index, plan.Target.SubsystemNqn.Value, alias, e.Message);
            return (null, e.Message);
        }
        catch (Exception)
        {
            own.Rollback(); // cancelled, or an unexpected failure: the volume's journal undoes the rest
            throw;
        }
    }

    /// <summary>Adopts, assembles or creates the array over the attached replica devices (see <see cref="ConnectReplicated"/>).</summary>
    private ReplicatedAttach BringUpArray(MdArrayName? name, int replicaCount, List<string> devices, List<ReplicaLeg> replicas,
        UndoJournal journal, CancellationToken ct)
    {
        var mdPaths = new MdPaths(_options.Paths);
        var arrays = new MdArrays(_options.Paths);
        bool anyMetadata = devices.Any(d => CarriesMdMetadata(mdPaths, d));

        if (!anyMetadata && replicaCount == 1)
            return new ReplicatedAttach(MdAttachAction.None, null, false, replicas, [], []); // os-brick's _handle_single_replica

        if (!anyMetadata)
        {
            // A new volume: its mirrors must all be here, or the array would start out with a mirror missing and
            // the absent replica would later be mistaken for a stale copy of data it never had.
            if (devices.Count < replicaCount)
                throw new NvmeNativeException(
                    $"cannot create the md array {name}: {devices.Count} of its {replicaCount} replicas were attached and none carries md metadata " +
                    "(a new replicated volume needs every replica)", ReplicatedOperation);
            // Creating writes a superblock and bitmap at 4 KiB and moves the data start: a replica with data but no md
            // metadata (a file system, a partition table) would be lost. A new volume reads as zeroes.
            foreach (var device in devices)
                RequireBlank(device);
            var created = arrays.Create(new MdCreateRequest(name!.Value, devices), ct);
            journal.Push($"stopped {created.Device}", () => arrays.Stop(created));
            return new ReplicatedAttach(MdAttachAction.Created, created, false, replicas, [], []);
        }

        var result = arrays.Assemble(new MdAssembleRequest(devices) { Name = name, AllowDegraded = true }, ct);
        if (!result.Adopted)
            journal.Push($"stopped {result.Array.Device}", () => arrays.Stop(result.Array));
        var healing = _options.HealReplicas ? Heal(arrays, result) : [];
        return new ReplicatedAttach(result.Adopted ? MdAttachAction.Adopted : MdAttachAction.Assembled, result.Array,
            result.Degraded || result.Array.Members.Count < replicaCount, replicas, result.LeftOut, healing);
    }

    /// <summary>
    /// Puts left-out replicas back: a stale one (behind by events, or failed by the freshest, e.g. its target was down
    /// while the array ran) is re-added so md copies only what the write-intent bitmap marks (the kernel falls back to a
    /// full recovery when the bitmap cannot cover it); a blank one (a replica recreated empty) is added as a new mirror
    /// and rebuilt completely. Any other reason (another array's superblock, a split brain whose writes a re-add would
    /// discard) is left for a person. A failure here does not fail the attach: the array is up and serving.
    /// </summary>
    private List<string> Heal(MdArrays arrays, MdAssembleResult result)
    {
        var healing = new List<string>();
        var md = result.Array.Device;
        foreach (var left in result.LeftOut)
        {
            // Behind the freshest (by events, or failed by it while it ran on): the bitmap says what to copy back.
            bool stale = left.Reason is MdLeftOutReason.Stale or MdLeftOutReason.MarkedFaultyByFreshest;
            bool blank = left.Reason == MdLeftOutReason.NoSuperblock && IsBlank(left.Member);
            if (!stale && !blank)
                continue;
            try
            {
                ConnectorLog.Healing(Log, md.Value, stale ? "re-adding" : "adding for a full rebuild", left.Member, left.Detail);
                if (stale)
                    arrays.ReAddMember(md, left.Member);
                else
                    arrays.AddMember(md, left.Member);
                healing.Add(left.Member);
            }
            catch (NvmeNativeException e)
            {
                ConnectorLog.HealFailed(Log, md.Value, left.Member, e.Message);
            }
        }
        return healing;
    }

    /// <summary>True when the device carries an md superblock of any version (0.90, 1.0, 1.1, 1.2; valid or not).</summary>
    private static bool CarriesMdMetadata(MdPaths paths, string device)
    {
        MemberClaim.RequireBlockDevice(device, ReplicatedOperation);
        using var fd = Fd.Open(device, Interop.Fcntl.O_RDONLY);
        return Md.Format.MdSuperblockProbe.Find(fd, device, DeviceSize(device)).Count > 0;
    }

    /// <summary>How much of a replica must read as zeroes before an array is made over it: where partition tables,
    /// LVM labels and every common file system keep their signatures.</summary>
    private const int BlankCheckBytes = 1 << 20;

    /// <summary>True when the device's first MiB is all zeroes.</summary>
    private static bool IsBlank(string device)
    {
        using var fd = Fd.Open(device, Interop.Fcntl.O_RDONLY);
        byte[] buffer = new byte[BlankCheckBytes];
        int n = Fd.PRead(fd, buffer, 0, device);
        return !buffer.AsSpan(0, n).ContainsAnyExcept((byte)0);
    }

    private static void RequireBlank(string device)
    {
        if (!IsBlank(device))
            throw new NvmeNativeException(
                $"{device} holds data but no md metadata: making it a mirror of a new array would destroy that data. " +
                "If this replica is meant to be empty, wipe it on its backend (or with blkdiscard) and attach again",
                ReplicatedOperation, device);
    }

    /// <summary>
    /// The md array name from <c>alias</c>: null only for a single-replica volume without one (the parser requires it
    /// for several replicas and bounds its length; this adds md's own name rules).
    /// </summary>
    private static MdArrayName? AliasOf(ConnectionProperties properties) =>
        properties.Alias is not { } alias ? null
        : MdArrayName.TryParse(alias, out var name) ? name
        : throw new InvalidInputException($"{InputText.Quote(alias)} cannot name an md array", ReplicatedOperation, "alias");

    /// <summary>
    /// os-brick's <c>disconnect_volume</c> for a replicated volume (its <c>end_raid</c>, then each replica): flush the
    /// array and stop it (removing /dev/md/ALIAS and its map entry), then detach every replica as a single volume.
    /// A failed flush or stop ends the detach with everything in place, unless <paramref name="force"/>.
    /// </summary>
    private DetachedVolume DisconnectReplicated(ConnectionProperties properties, string? devicePath, bool force, bool ignoreErrors,
        CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = properties.Targets.Select(t => WithResolvedPortals(t, ct)).ToList();
        var mdPaths = new MdPaths(_options.Paths);

        using var hostLock = HostLock.Acquire(_options.LockFilePath, ct);
        var outcome = new DetachOutcome();
        var md = RunningArrayOf(mdPaths, targets);
        string? path = devicePath ?? properties.DevicePath ?? (md is not null && name is { } n ? mdPaths.Link(n) : null);
        if (md is { } device)
        {
            string subject = name?.Value ?? device.Value;
            var uuid = new MdLocator(mdPaths).UuidOf(device);
            FlushOrTolerate(mdPaths.Node(device), force, subject, outcome);
            try
            {
                new MdArrays(_options.Paths).Stop(device, uuid, ct);
            }
            catch (NvmeNativeException e) when (force)
            {
                ConnectorLog.DetachErrorTolerated(Log, subject, e.Message);
                outcome.Errors.Add(e);
            }
        }
        else if (name is { } alias && new MdLinks(mdPaths).Target(alias) is { } stale && !new MdLocator(mdPaths).Exists(stale))
        {
            new MdLinks(mdPaths).Remove(alias, stale); // dangling: its array is gone (os-brick's end_raid removes it too)
        }
        foreach (var target in targets)
        {
            // The array's stop flushed it; a replica is flushed only when it was used without md (one replica).
            string? leg = DetachTargetLocked(target, null, force, ignoreErrors, outcome, flush: md is null);
            path ??= leg;
        }
        return outcome.Finish(path, ignoreErrors);
    }

    /// <summary>
    /// The running array of the volume: the md device holding its replicas' devices (the /dev/md/ALIAS link alone is
    /// not trusted: md numbers are reused, and a stale link may name another volume's array). Null when no replica
    /// device is held by an array.
    /// </summary>
    private MdDeviceName? RunningArrayOf(MdPaths mdPaths, List<TargetProperties> targets)
    {
        var locator = new MdLocator(mdPaths);
        var holders = targets.Select(FindReplicaDevice).OfType<string>()
            .Select(d => locator.HolderOf(Path.GetFileName(d))).OfType<MdDeviceName>().Distinct().ToList();
        return holders.Count switch
        {
            0 => null,
            1 => holders[0],
            _ => throw new NvmeNativeException(
                $"the replicas are held by different md arrays ({string.Join(", ", holders)}); refusing to guess which is the volume",
                ReplicatedOperation),
        };
    }

    /// <summary>The replica's namespace device on this host now (no waiting), or null.</summary>
    private string? FindReplicaDevice(TargetProperties target)
    {
        var selector = NamespaceSelector.FromIdentifiers(target.NamespaceUuid, target.Nguid, target.NamespaceId);
        var controllers = ControllersAtPortals(target, target.HostNqn ?? Fabrics.HostIdentityStore.TryLoad(_options.Paths)?.HostNqn);
        return selector is null || controllers.Count == 0 ? null : _topology.FindNamespace(controllers, selector)?.DevicePath;
    }

    /// <summary>os-brick's <c>get_volume_paths</c> for a replicated volume: /dev/md/ALIAS while the array runs.</summary>
    private IReadOnlyList<string> GetReplicatedVolumePaths(ConnectionProperties properties)
    {
        var name = AliasOf(properties);
        var targets = properties.Targets.Select(t => WithResolvedPortals(t, CancellationToken.None)).ToList();
        var mdPaths = new MdPaths(_options.Paths);
        if (RunningArrayOf(mdPaths, targets) is { } md)
            return [name is { } n && new MdLinks(mdPaths).Target(n) == md ? mdPaths.Link(n) : mdPaths.Node(md)];
        // One replica used without md is its plain device; one that carries md metadata is a stopped array's member.
        if (properties.ReplicaCount == 1 && FindReplicaDevice(targets[0]) is { } plain && !CarriesMdMetadata(mdPaths, plain))
            return [plain];
        return [];
    }

    /// <summary>
    /// os-brick's <c>extend_volume</c> for a replicated volume: every attached replica is extended as a single volume
    /// is (a replica not attached here is skipped), then the array grows to its mirrors' new size (mdadm --grow
    /// --size=max). Returns the array's new size in bytes.
    /// </summary>
    private long ExtendReplicated(ConnectionProperties properties, CancellationToken ct)
    {
        var name = AliasOf(properties);
        var targets = properties.Targets.Select(t => WithResolvedPortals(t, ct)).ToList();
        foreach (var target in targets)
            RequireVolumeIdentity(target, null);
        var mdPaths = new MdPaths(_options.Paths);

        using var hostLock = HostLock.Acquire(_options.LockFilePath, ct);
        var md = RunningArrayOf(mdPaths, targets);
        long? plain = null;
        int extended = 0;
        NvmeNativeException? firstFailure = null;
        for (int i = 0; i < targets.Count; i++)
        {
            try
            {
                plain = ExtendTargetLocked(targets[i], null, ct);
                extended++;
            }
            catch (NvmeNativeException e) when (md is not null)
            {
                // A degraded volume: the missing replica is extended when it comes back and is re-added.
                ConnectorLog.ReplicaMissing(Log, i, targets[i].SubsystemNqn.Value, name?.Value ?? md.Value.Value, e.Message);
                firstFailure ??= e;
            }
        }
        if (md is { } device)
            return extended > 0 ? new MdArrays(_options.Paths).Grow(device) : throw firstFailure!;
        return plain ?? throw new VolumeNotFoundException($"the replicated volume {name} is not attached here", ExtendOperation, null);
    }
}
