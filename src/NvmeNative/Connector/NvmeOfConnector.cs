using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// os-brick's NVMe-oF connector without nvme-cli: connect, disconnect, paths and connector properties for
/// volumes described by os-brick <c>connection_properties</c>. Thread-safe; attach and detach are
/// serialised per host across threads and processes.
/// </summary>
/// <remarks>
/// Replicated volumes (<c>volume_replicas</c>) are attached as an md RAID1 array over their replicas'
/// namespaces (see <c>NvmeOfConnector.Replicated.cs</c>); every operation accepts both kinds.
/// </remarks>
public sealed partial class NvmeOfConnector
{
    private readonly NvmeOfConnectorOptions _options;
    private readonly FabricsConnector _fabrics;
    private readonly NvmeTopology _topology;
    private readonly AttachRecords _records;
    private readonly Func<IUeventSource> _openEvents;

    /// <summary>Creates a connector for this host (or for the trees that <paramref name="options"/> names).</summary>
    public NvmeOfConnector(NvmeOfConnectorOptions? options = null)
        : this(options ?? new NvmeOfConnectorOptions(), null, UeventListener.Open)
    {
    }

    /// <summary>The seams unit tests use: a scripted /dev/nvme-fabrics and a scripted uevent source.</summary>
    internal NvmeOfConnector(NvmeOfConnectorOptions options, IFabricsDevice? fabricsDevice, Func<IUeventSource> openEvents)
    {
        _options = options;
        _openEvents = openEvents;
        _fabrics = new FabricsConnector(_options.Paths, fabricsDevice);
        _topology = new NvmeTopology(_options.Paths, openEvents);
        _records = new AttachRecords(_options.Paths);
    }

    /// <summary>The host topology the connector reads (for listing).</summary>
    public NvmeTopology Topology => _topology;

    /// <summary>
    /// Attaches a volume: connects every portal of its target that has no live controller yet (reusing live
    /// ones, waiting for reconnecting ones), waits for the namespace by kernel events, and returns its block
    /// device. On failure every controller this call created is deleted again, and only those. A replicated
    /// volume (<c>volume_replicas</c>) attaches each replica so and returns <c>/dev/md/ALIAS</c>, the md RAID1
    /// array over them, created, assembled or adopted (see <see cref="AttachedVolume.Replication"/>).
    /// </summary>
    /// <exception cref="AttachFailedException">The attach failed and was rolled back.</exception>
    /// <exception cref="NvmeNativeException">The input cannot be attached (nothing was changed).</exception>
    public AttachedVolume Connect(ConnectionProperties properties, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.IsReplicated)
            return ConnectReplicated(properties, cancellationToken);
        var plan = PrepareAttach(properties.Targets[0], properties, cancellationToken);

        using var hostLock = HostLock.Acquire(_options.LockFilePath, cancellationToken);
        return AttachWithRollback(plan.Target.SubsystemNqn.Value, "connect volume", journal => ConnectLocked(plan, journal, cancellationToken));
    }

    /// <summary>
    /// Runs an attach with a fresh undo journal. If it fails or is cancelled, every change it journaled is undone
    /// (newest first) and logged; a failure is then thrown as <see cref="AttachFailedException"/> listing what was
    /// undone, a cancellation is rethrown as it is.
    /// </summary>
    private AttachedVolume AttachWithRollback(string subject, string operation, Func<UndoJournal, AttachedVolume> attach)
    {
        var journal = new UndoJournal();
        try
        {
            return attach(journal);
        }
        catch (Exception e)
        {
            var (done, failed) = journal.Rollback();
            bool cancelled = e is OperationCanceledException;
            LogRollback(subject, cancelled ? "cancelled" : e.Message, done, failed);
            if (cancelled)
                throw;
            throw new AttachFailedException(AsNvmeNative(e, operation), done, failed);
        }
    }

    /// <summary>One target's attach, decided and validated before the lock and before any kernel change.</summary>
    private sealed record AttachPlan(TargetProperties Target, HostIdentity Host, List<(Portal Portal, FabricsOptions Options)> Legs);

    /// <summary>
    /// Resolves host names, builds and validates every portal's options, applies enforce_multipath and checks that
    /// this kernel offers nvme-fabrics and every option used: bad input and missing support change nothing.
    /// </summary>
    private AttachPlan PrepareAttach(TargetProperties unresolved, ConnectionProperties properties, CancellationToken ct)
    {
        var target = WithResolvedPortals(unresolved, ct);
        var host = HostFor(target);
        var legs = target.Portals.Select(p => (Portal: p, Options: FabricsOptions.ForPortal(target.SubsystemNqn, p, host))).ToList();
        foreach (var leg in legs)
            leg.Options.Validate();
        if (!target.HasNamespaceIdentifier && legs.Count == 0)
            throw new NvmeNativeException("the target has no portal", "connect volume");
        // os-brick's check_multipath: with multipath wanted but off in the kernel, enforce_multipath refuses.
        if (_options.UseMultipath && legs.Count > 1 && _topology.IsNativeMultipathEnabled() != true)
        {
            if (properties.EnforceMultipath)
                throw new NvmeNativeException(
                    "multipathing is enforced (enforce_multipath) but native NVMe multipath is off on this host (nvme_core.multipath); nothing was changed",
                    "connect volume");
            ConnectorLog.MultipathOff(Log, target.SubsystemNqn.Value);
        }
        // A missing nvme-fabrics module, or an option this kernel lacks, is reported now, not after a first
        // portal was connected (the kernel's list is read once per connector and cached).
        if (legs.Count > 0)
        {
            var supported = _fabrics.SupportedOptions;
            foreach (var leg in legs)
                supported.Require(leg.Options.UsedMask, _fabrics.DevicePath);
        }
        return new AttachPlan(target, host, legs);
    }

    private AttachedVolume ConnectLocked(AttachPlan plan, UndoJournal journal, CancellationToken ct)
    {
        var (target, host, legs) = plan;
        long start = Stopwatch.GetTimestamp();
        // Listen before anything changes, so no uevent of the namespace appearing can be missed.
        using var events = _openEvents();
        var selector = NamespaceSelector.FromIdentifiers(target.NamespaceUuid, target.Nguid, target.NamespaceId);
        ConnectorLog.Attaching(Log, target.SubsystemNqn.Value, legs.Count, selector?.ToString() ?? "(new namespace)");
        var before = selector is null
            ? _topology.NamespacesOf(_topology.ControllersOf(target.SubsystemNqn, null, host.HostNqn)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal)
            : null;

        var created = new List<string>();
        var reused = new List<string>();
        var failures = new List<NvmeNativeException>();
        foreach (var (portal, options) in legs)
        {
            ct.ThrowIfCancellationRequested();
            if (ConnectLeg(target, host, portal, options, journal, created, reused, ct) is { } failure)
            {
                ConnectorLog.PortalFailed(Log, portal.ToString(), failure.Message);
                failures.Add(failure);
            }
            if (!_options.UseMultipath && created.Count + reused.Count > 0)
                break;
        }
        if (created.Count + reused.Count == 0)
            throw failures.Count == 1
                ? failures[0]
                : new NvmeNativeException("no portal could be connected: " + string.Join("; ", failures.Select(f => f.Message)),
                    "connect volume", target.SubsystemNqn.Value);

        var mine = created.Concat(reused).ToHashSet(StringComparer.Ordinal);
        var controllers = _topology.ControllersOf(target.SubsystemNqn, null, host.HostNqn).Where(c => mine.Contains(c.Name)).ToList();
        var ns = selector is not null
            ? _topology.WaitForNamespace(events, controllers, selector, _options.DeviceTimeout, ct)
            : WaitForNewNamespace(events, controllers, before!, ct);
        if (ns.IsMultipathHead && controllers.Count > 1)
            ns = WaitForAllPaths(events, ns, controllers, ct);
        // Undo only a record this attach made: an earlier attach of the same volume keeps its own.
        if (!_records.Has(ns.Name))
        {
            string recorded = ns.Name;
            journal.Push($"forgot the attach record of {recorded}", () => _records.Remove(recorded));
        }
        _records.Add(ns.Name, target.SubsystemNqn);
        ConnectorLog.Attached(Log, target.SubsystemNqn.Value, selector?.ToString() ?? "(new namespace)", ns.DevicePath,
            string.Join(", ", ns.ControllerNames), (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return new AttachedVolume(ns.DevicePath, created, reused, ns.ControllerNames);
    }

    /// <summary>
    /// The head appears with its first path; the others follow as each controller finishes its namespace
    /// scan, announced by no event (<see cref="KernelWait.Unannounced"/>). A caller expects full
    /// redundancy on return, so wait until every controller of this
    /// attach that is still live presents a path. A controller that stops being live is no longer awaited;
    /// if paths are still missing at <see cref="NvmeOfConnectorOptions.PathsTimeout"/>, the volume is
    /// returned with the paths it has (it is usable) rather than rolled back.
    /// </summary>
    private NvmeNamespace WaitForAllPaths(IUeventSource events, NvmeNamespace found, List<NvmeController> controllers, CancellationToken ct)
    {
        var names = controllers.Select(c => c.Name).ToList();
        NvmeNamespace? Now() => _topology.NamespacesOf(controllers).FirstOrDefault(n => n.Name == found.Name);
        NvmeNamespace? Complete()
        {
            if (Now() is not { } now)
                return null;
            var live = names.Select(_topology.FindController).Where(c => c is { IsLive: true }).Select(c => c!.Name);
            return live.All(now.ControllerNames.Contains) ? now : null;
        }
        try
        {
            return KernelWait.Until(events,
                relevant: e => e.Subsystem is "block" or "nvme",
                check: Complete,
                describe: () => _topology.DescribeNamespaces(controllers),
                waitingFor: $"a path to {found.Name} through each of {string.Join(", ", names)}",
                _options.PathsTimeout, ct, unannounced: KernelWait.Unannounced);
        }
        catch (NvmeNativeTimeoutException)
        {
            var now = Now() ?? found;
            ConnectorLog.PathsMissing(Log, now.DevicePath, string.Join(", ", names.Except(now.ControllerNames)), _options.PathsTimeout);
            return now;
        }
    }

    /// <summary>Makes one portal's controller live; returns the failure instead of throwing so other portals are tried.</summary>
    private NvmeNativeException? ConnectLeg(TargetProperties target, HostIdentity host, Portal portal, FabricsOptions options,
        UndoJournal journal, List<string> created, List<string> reused, CancellationToken ct)
    {
        var existing = _topology.ControllersOf(target.SubsystemNqn, portal, host.HostNqn);
        if (existing.FirstOrDefault(c => c.IsLive) is { } live)
        {
            // Some targets send no namespace-change AEN; a rescan makes a newly mapped namespace visible (as os-brick).
            Rescan(live);
            ConnectorLog.ReusingLive(Log, live.Name, portal.ToString());
            reused.Add(live.Name);
            return null;
        }
        if (existing.FirstOrDefault(c => c.State is ControllerState.Connecting or ControllerState.Resetting or ControllerState.New) is { } coming)
        {
            ConnectorLog.WaitingForReconnect(Log, coming.Name, portal.ToString(), coming.State.ToString(), _options.ReconnectTimeout);
            try
            {
                reused.Add(_topology.WaitForControllerLive(coming.Name, _options.ReconnectTimeout, ct).Name);
                return null;
            }
            catch (NvmeNativeException e)
            {
                return e;
            }
        }
        try
        {
            var instance = _fabrics.Connect(options, ct);
            created.Add(instance.Name);
            ConnectorLog.Connected(Log, instance.Name, portal.ToString(), options.ToString());
            journal.Push($"deleted controller {instance.Name}", () => _fabrics.DeleteController(instance));
            return null;
        }
        catch (FabricsConnectException e) when (e.Failure == ConnectFailure.AlreadyConnected)
        {
            // Another process created it between our look and our connect: use theirs, never delete it.
            var raced = _topology.ControllersOf(target.SubsystemNqn, portal, host.HostNqn).FirstOrDefault();
            if (raced is null)
                return e;
            ConnectorLog.RacedConnect(Log, raced.Name, portal.ToString());
            reused.Add(raced.IsLive ? raced.Name : _topology.WaitForControllerLive(raced.Name, _options.ReconnectTimeout, ct).Name);
            return null;
        }
        catch (FabricsConnectException e)
        {
            return e;
        }
    }

    /// <summary>
    /// os-brick's fallback for properties without uuid, nguid or nsid: the one namespace of the target's
    /// controllers that was not there before this attach (under the host lock, so no other attach interferes).
    /// </summary>
    private NvmeNamespace WaitForNewNamespace(IUeventSource events, List<NvmeController> controllers, HashSet<string> before, CancellationToken ct)
    {
        return KernelWait.Until(events,
            relevant: e => e.Subsystem is "block" or "nvme",
            check: () =>
            {
                var added = _topology.NamespacesOf(controllers).Where(n => !before.Contains(n.Name)).ToList();
                if (added.Count > 1 && added.Select(n => n.Uuid).Distinct().Count() > 1)
                    throw new NvmeNativeException(
                        $"the properties name no namespace (uuid, nguid or ns_id) and {added.Count} new namespaces appeared ({string.Join(", ", added.Select(n => n.Name))}); refusing to guess",
                        "find namespace", controllers[0].SysfsPath);
                return added.FirstOrDefault();
            },
            describe: () => string.Join(", ", _topology.NamespacesOf(controllers).Select(n => n.Name)),
            waitingFor: "a new namespace through " + string.Join(", ", controllers.Select(c => c.Name)),
            _options.DeviceTimeout, ct);
    }

    private ILogger Log => _options.Logger;

    /// <summary>An unexpected failure (an I/O error on a file, say) as a member of the exception family, keeping it as the cause.</summary>
    private static NvmeNativeException AsNvmeNative(Exception e, string operation) =>
        e as NvmeNativeException ?? new NvmeNativeException(e.Message, operation, innerException: e);

    private void LogRollback(string subject, string reason, IReadOnlyList<string> done, IReadOnlyList<string> failed) =>
        ConnectorLog.RolledBack(Log, subject, reason, done.Count == 0 ? "nothing" : string.Join(", ", done),
            failed.Count == 0 ? "nothing" : string.Join("; ", failed));

    private static void Rescan(NvmeController controller)
    {
        using var fd = Fd.TryOpen(controller.DevicePath, Interop.Fcntl.O_RDONLY, out int errno);
        if (fd is null)
            return; // the controller went away: the namespace wait reports what is missing
        Fd.IoctlValue(fd, Interop.NvmeIoctl.NVME_IOCTL_RESCAN, 0, "NVME_IOCTL_RESCAN", controller.DevicePath);
    }

    private HostIdentity HostFor(TargetProperties target)
    {
        var stored = HostIdentityStore.LoadOrCreate(_options.Paths);
        // A host_nqn in the properties overrides the NQN (os-brick's -q); the hostid stays the host's own.
        return target.HostNqn is { } nqn ? new HostIdentity(nqn, stored.HostId) : stored;
    }
}
