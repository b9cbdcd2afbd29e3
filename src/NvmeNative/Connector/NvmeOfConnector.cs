using System.Diagnostics;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// os-brick's NVMe-oF connector without nvme-cli: connect, disconnect, extend, paths and connector properties for
/// volumes described by os-brick <c>connection_properties</c>. Thread-safe; attach, detach and extend are
/// serialised per host across threads and processes.
/// </summary>
/// <remarks>
/// A coordinator: a single volume is one target (<see cref="TargetAttacher"/>, <see cref="TargetDetacher"/>,
/// <see cref="TargetExtender"/>); a replicated volume (<c>volume_replicas</c>) is <see cref="ReplicatedVolume"/>, an
/// md RAID1 array over its replicas' namespaces. Every operation accepts both kinds.
/// </remarks>
public sealed class NvmeOfConnector
{
    private const string ConnectOperation = "connect volume";

    private readonly ConnectorContext _context;
    private readonly TargetAttacher _attacher;
    private readonly TargetDetacher _detacher;
    private readonly TargetExtender _extender;
    private readonly ReplicatedVolume _replicated;

    /// <summary>Creates a connector for this host (or for the trees that <paramref name="options"/> names).</summary>
    public NvmeOfConnector(NvmeOfConnectorOptions? options = null)
        : this(options ?? new NvmeOfConnectorOptions(), null, UeventListener.Open)
    {
    }

    /// <summary>The seams unit tests use: a scripted /dev/nvme-fabrics and a scripted uevent source.</summary>
    internal NvmeOfConnector(NvmeOfConnectorOptions options, IFabricsDevice? fabricsDevice, Func<IUeventSource> openEvents)
    {
        _context = new ConnectorContext(options, fabricsDevice, openEvents);
        _attacher = new TargetAttacher(_context);
        _detacher = new TargetDetacher(_context);
        _extender = new TargetExtender(_context);
        _replicated = new ReplicatedVolume(_context);
    }

    /// <summary>How host-name portals are looked up (the system resolver; unit tests substitute it).</summary>
    internal PortalResolver.Lookup HostLookup
    {
        get => _context.HostLookup;
        init => _context.HostLookup = value;
    }

    /// <summary>The host topology the connector reads (for listing).</summary>
    public NvmeTopology Topology => _context.Topology;

    /// <summary>
    /// Attaches a volume: connects every portal of its target that has no live controller yet (reusing live
    /// ones, waiting for reconnecting ones), waits for the namespace by kernel events, and returns its block
    /// device. On failure every controller this call created is deleted again, and only those. A replicated
    /// volume (<c>volume_replicas</c>) attaches each replica so and returns <c>/dev/md/ALIAS</c>, the md RAID1
    /// array over them, created, assembled or adopted (see <see cref="AttachedVolume.Replication"/>).
    /// </summary>
    /// <param name="properties">The volume.</param>
    /// <param name="cancellationToken">Cancels every wait (the host lock, name lookups, the namespace, reconnecting
    /// controllers, md); what the attach did until then is rolled back before <see cref="OperationCanceledException"/>
    /// is thrown. A write to /dev/nvme-fabrics already under way is not interrupted (the kernel cannot), it is undone.</param>
    /// <exception cref="AttachFailedException">The attach failed and was rolled back.</exception>
    /// <exception cref="NvmeNativeException">The input cannot be attached (nothing was changed).</exception>
    public AttachedVolume Connect(ConnectionProperties properties, CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(ConnectAsync(properties, async: false, cancellationToken));

    /// <summary>
    /// <see cref="Connect"/>, awaited: while it waits (for the host lock, a name lookup, a reconnecting controller,
    /// the namespace's uevents, md) it holds no thread. The same code as <see cref="Connect"/>, with the same rollback.
    /// </summary>
    /// <inheritdoc cref="Connect" path="/param"/>
    /// <inheritdoc cref="Connect" path="/exception"/>
    public Task<AttachedVolume> ConnectAsync(ConnectionProperties properties, CancellationToken cancellationToken = default) =>
        ConnectAsync(properties, async: true, cancellationToken).AsTask();

    private async ValueTask<AttachedVolume> ConnectAsync(ConnectionProperties properties, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(properties);
        long start = Stopwatch.GetTimestamp();
        using var span = StartOperation(Telemetry.Activities.Attach, properties);
        Exception? error = null;
        try
        {
            var attached = properties.IsReplicated
                ? await _replicated.AttachAsync(properties, async, cancellationToken).ConfigureAwait(false)
                : await ConnectSingleAsync(properties, async, cancellationToken).ConfigureAwait(false);
            span?.SetTag(Telemetry.Tags.Device, attached.Path);
            return attached;
        }
        catch (Exception e) when (Failed(span, e, out error))
        {
            throw;
        }
        finally
        {
            Spans.RecordDuration(Telemetry.AttachDuration, start, error, properties.IsReplicated);
        }
    }

    private async ValueTask<AttachedVolume> ConnectSingleAsync(ConnectionProperties properties, bool async, CancellationToken cancellationToken)
    {
        var plans = await AttachPlan.PrepareAllAsync(_context, properties, async, cancellationToken).ConfigureAwait(false);
        var plan = plans[0];

        using var hostLock = await _context.LockHostAsync(async, cancellationToken).ConfigureAwait(false);
        return await AttachRollback.RunAsync(_context, plan.Target.SubsystemNqn.Value, ConnectOperation,
            journal => _attacher.AttachAsync(plan, journal, async, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Detaches a volume: flushes its device, then deletes each controller of its target that is left with no
    /// other namespace in use (another attached volume, a holder such as md, or an exclusive claim such as a
    /// mount): a target shared with another attached volume keeps its controller. A volume that is already
    /// gone succeeds. A replicated volume's array is flushed and stopped first, then each replica is detached.
    /// </summary>
    /// <param name="properties">The volume's connection properties.</param>
    /// <param name="devicePath">os-brick's <c>device_info["path"]</c>, if the caller has it.</param>
    /// <param name="force">Go on deleting controllers even when the flush failed (os-brick's <c>force</c>): unwritten
    /// data may be lost. Without it a failed flush ends the detach at once, with the controllers left in place.</param>
    /// <param name="ignoreErrors">Return instead of throwing when something failed; the errors are in the result.</param>
    /// <param name="cancellationToken">Cancels the waits before anything is changed (name lookups, the host lock) and
    /// md's waits (a busy array's stop, a failed member's removal).</param>
    /// <exception cref="NvmeNativeException">The flush (without <paramref name="force"/>) or a controller deletion failed.</exception>
    public DetachedVolume Disconnect(ConnectionProperties properties, string? devicePath = null, bool force = false,
        bool ignoreErrors = false, CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(DisconnectAsync(properties, devicePath, force, ignoreErrors, async: false, cancellationToken));

    /// <summary><see cref="Disconnect"/>, awaited: its waits hold no thread.</summary>
    /// <inheritdoc cref="Disconnect" path="/param"/>
    /// <inheritdoc cref="Disconnect" path="/exception"/>
    public Task<DetachedVolume> DisconnectAsync(ConnectionProperties properties, string? devicePath = null, bool force = false,
        bool ignoreErrors = false, CancellationToken cancellationToken = default) =>
        DisconnectAsync(properties, devicePath, force, ignoreErrors, async: true, cancellationToken).AsTask();

    private async ValueTask<DetachedVolume> DisconnectAsync(ConnectionProperties properties, string? devicePath, bool force,
        bool ignoreErrors, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(properties);
        long start = Stopwatch.GetTimestamp();
        using var span = StartOperation(Telemetry.Activities.Detach, properties);
        Exception? error = null;
        try
        {
            if (properties.IsReplicated)
                return await _replicated.DetachAsync(properties, devicePath, force, ignoreErrors, async, cancellationToken).ConfigureAwait(false);
            var target = await AttachPlan.ResolvePortalsAsync(_context, properties.Targets[0], async, cancellationToken).ConfigureAwait(false);

            using var hostLock = await _context.LockHostAsync(async, cancellationToken).ConfigureAwait(false);
            var outcome = new DetachOutcome();
            string? path = _detacher.Detach(target, devicePath ?? properties.DevicePath, force, ignoreErrors, outcome);
            return outcome.Finish(path, ignoreErrors);
        }
        catch (Exception e) when (Failed(span, e, out error))
        {
            throw;
        }
        finally
        {
            Spans.RecordDuration(Telemetry.DetachDuration, start, error, properties.IsReplicated);
        }
    }

    /// <summary>
    /// os-brick's <c>extend_volume</c>: after the volume was grown on the target, makes this host see the new
    /// size and returns it in bytes (see <see cref="TargetExtender"/>). The volume's device is looked for only among
    /// its target's controllers, as <see cref="GetVolumePaths"/> does. A replicated volume extends each replica, then
    /// grows its array. Runs under the per-host attach lock.
    /// </summary>
    /// <param name="properties">The volume.</param>
    /// <param name="cancellationToken">Cancels the waits (name lookups, the host lock, the new size).</param>
    /// <returns>The device's size in bytes (BLKGETSIZE64), once it matches what the target reports.</returns>
    /// <exception cref="InvalidInputException">The properties name no namespace (no uuid, nguid, ns_id or
    /// device_path), or a host-name portal does not resolve (nothing was changed).</exception>
    /// <exception cref="VolumeNotFoundException">The volume is not attached here.</exception>
    /// <exception cref="NvmeNativeTimeoutException">The device did not reach the target's size within
    /// <see cref="NvmeOfConnectorOptions.DeviceTimeout"/>.</exception>
    /// <exception cref="NvmeNativeException">No controller could be rescanned or answer Identify.</exception>
    public long Extend(ConnectionProperties properties, CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(ExtendAsync(properties, async: false, cancellationToken));

    /// <summary><see cref="Extend"/>, awaited: its waits hold no thread.</summary>
    /// <inheritdoc cref="Extend" path="/param"/>
    /// <inheritdoc cref="Extend" path="/returns"/>
    /// <inheritdoc cref="Extend" path="/exception"/>
    public Task<long> ExtendAsync(ConnectionProperties properties, CancellationToken cancellationToken = default) =>
        ExtendAsync(properties, async: true, cancellationToken).AsTask();

    private async ValueTask<long> ExtendAsync(ConnectionProperties properties, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(properties);
        using var span = StartOperation(Telemetry.Activities.Extend, properties);
        try
        {
            if (properties.IsReplicated)
                return await _replicated.ExtendAsync(properties, async, cancellationToken).ConfigureAwait(false);
            var target = await AttachPlan.ResolvePortalsAsync(_context, properties.Targets[0], async, cancellationToken).ConfigureAwait(false);
            TargetExtender.RequireVolumeIdentity(target, properties.DevicePath);

            using var hostLock = await _context.LockHostAsync(async, cancellationToken).ConfigureAwait(false);
            return await _extender.ExtendAsync(target, properties.DevicePath, async, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Failed(span, e, out _))
        {
            throw;
        }
    }

    /// <summary>
    /// os-brick's <c>get_volume_paths</c>: the caller's device path if given, else the properties'
    /// <c>device_path</c>, else the namespace found now among the target's controllers (no waiting; for a
    /// replicated volume, its running array); empty when none.
    /// </summary>
    /// <param name="properties">The volume.</param>
    /// <param name="devicePath">os-brick's <c>device_info["path"]</c>, if the caller has it.</param>
    /// <param name="cancellationToken">Cancels host-name lookups (a synchronous lookup is checked before it starts).</param>
    public IReadOnlyList<string> GetVolumePaths(ConnectionProperties properties, string? devicePath = null,
        CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(GetVolumePathsAsync(properties, devicePath, async: false, cancellationToken));

    /// <summary><see cref="GetVolumePaths"/>, with host-name lookups awaited.</summary>
    /// <inheritdoc cref="GetVolumePaths" path="/param"/>
    public Task<IReadOnlyList<string>> GetVolumePathsAsync(ConnectionProperties properties, string? devicePath = null,
        CancellationToken cancellationToken = default) =>
        GetVolumePathsAsync(properties, devicePath, async: true, cancellationToken).AsTask();

    private async ValueTask<IReadOnlyList<string>> GetVolumePathsAsync(ConnectionProperties properties, string? devicePath, bool async,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if ((devicePath ?? properties.DevicePath) is { } known)
            return [known];
        if (properties.IsReplicated)
            return await _replicated.PathsAsync(properties, async, cancellationToken).ConfigureAwait(false);
        var target = await AttachPlan.ResolvePortalsAsync(_context, properties.Targets[0], async, cancellationToken).ConfigureAwait(false);
        return VolumeLookup.Find(_context, target).Namespace is { } ns ? [ns.DevicePath] : [];
    }

    /// <summary>The connector properties of this host (see <see cref="HostConnectorProperties"/>).</summary>
    /// <param name="cancellationToken">Checked before the host is read (reading it does not wait).</param>
    public HostConnectorProperties GetConnectorProperties(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var paths = _context.Options.Paths;
        var host = HostIdentityStore.LoadOrCreate(paths);
        return new HostConnectorProperties(host.HostNqn, host.HostId, HostIdentityStore.ReadSystemUuid(paths),
            _context.Topology.IsNativeMultipathEnabled() ?? false, FilesystemUuid.OfMount(paths, "/"));
    }

    /// <summary>The operation's span, tagged with the volume (its first target's NQN, the alias and replica count).</summary>
    private static Activity? StartOperation(string name, ConnectionProperties properties)
    {
        var span = Spans.Start(name);
        if (span is null)
            return null;
        span.SetTag(Telemetry.Tags.Replicated, properties.IsReplicated);
        if (properties.Targets.Length > 0)
            span.SetTag(Telemetry.Tags.Nqn, properties.Targets[0].SubsystemNqn.Value);
        if (properties.IsReplicated)
        {
            span.SetTag(Telemetry.Tags.ReplicaCount, properties.ReplicaCount);
            if (properties.Alias is { } alias)
                span.SetTag(Telemetry.Tags.Alias, alias);
        }
        return span;
    }

    private static bool Failed(Activity? span, Exception e, out Exception error)
    {
        error = e;
        return span.Failed(e);
    }
}
