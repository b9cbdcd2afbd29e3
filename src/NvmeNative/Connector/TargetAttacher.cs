using System.Diagnostics;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// Attaches one target's namespace under the host lock: makes a controller live at each portal (reusing live
/// ones, waiting for reconnecting ones, connecting the rest), waits for the namespace by kernel events, and for
/// a multipath head until each live controller presents a path. Every controller it creates is journaled, so
/// a rollback deletes exactly those.
/// </summary>
internal sealed class TargetAttacher(ConnectorContext context)
{
    private NvmeTopology Topology => context.Topology;

    private NvmeOfConnectorOptions Options => context.Options;

    internal async ValueTask<AttachedVolume> AttachAsync(AttachPlan plan, UndoJournal journal, bool async, CancellationToken ct)
    {
        var (target, host, legs) = plan;
        long start = Stopwatch.GetTimestamp();
        // Listen before anything changes, so no uevent of the namespace appearing can be missed.
        using var events = context.OpenEvents();
        var selector = VolumeLookup.SelectorOf(target);
        ConnectorLog.Attaching(context.Log, target.SubsystemNqn.Value, legs.Count, selector?.ToString() ?? "(new namespace)");
        var before = selector is null
            ? Topology.NamespacesOf(Topology.ControllersOf(target.SubsystemNqn, null, host.HostNqn)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal)
            : null;

        var created = new List<string>();
        var reused = new List<string>();
        var failures = new List<NvmeNativeException>();
        foreach (var (portal, options) in legs)
        {
            ct.ThrowIfCancellationRequested();
            if (await ConnectLegAsync(target, host, portal, options, journal, created, reused, async, ct).ConfigureAwait(false) is { } failure)
            {
                ConnectorLog.PortalFailed(context.Log, portal.ToString(), failure.Message);
                failures.Add(failure);
            }
            if (!Options.UseMultipath && created.Count + reused.Count > 0)
                break;
        }
        if (created.Count + reused.Count == 0)
            throw failures.Count == 1
                ? failures[0]
                : new NvmeNativeException("no portal could be connected: " + string.Join("; ", failures.Select(f => f.Message)),
                    "connect volume", target.SubsystemNqn.Value);

        var mine = created.Concat(reused).ToHashSet(StringComparer.Ordinal);
        var controllers = Topology.ControllersOf(target.SubsystemNqn, null, host.HostNqn).Where(c => mine.Contains(c.Name)).ToList();
        NvmeNamespace ns;
        using (var wait = Spans.StartPhase(Telemetry.Activities.NamespaceWait, ct))
        {
            wait?.SetTag(Telemetry.Tags.Nqn, target.SubsystemNqn.Value);
            try
            {
                ns = selector is not null
                    ? await Topology.WaitForNamespaceAsync(events, controllers, selector, Options.DeviceTimeout, async, ct).ConfigureAwait(false)
                    : await WaitForNewNamespaceAsync(events, controllers, before!, async, ct).ConfigureAwait(false);
                wait?.SetTag(Telemetry.Tags.Device, ns.DevicePath);
            }
            catch (Exception e) when (wait.Failed(e))
            {
                throw;
            }
        }
        if (ns.IsMultipathHead && controllers.Count > 1)
            ns = await WaitForAllPathsAsync(events, ns, controllers, async, ct).ConfigureAwait(false);
        // Undo only a record this attach made: an earlier attach of the same volume keeps its own.
        if (!context.Records.Has(ns.Name))
        {
            string recorded = ns.Name;
            journal.Push($"forgot the attach record of {recorded}", () => context.Records.Remove(recorded));
        }
        context.Records.Add(ns.Name, target.SubsystemNqn);
        ConnectorLog.Attached(context.Log, target.SubsystemNqn.Value, selector?.ToString() ?? "(new namespace)", ns.DevicePath,
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
    private async ValueTask<NvmeNamespace> WaitForAllPathsAsync(IUeventSource events, NvmeNamespace found, List<NvmeController> controllers,
        bool async, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.PathWait, ct);
        span?.SetTag(Telemetry.Tags.Device, found.DevicePath);
        var names = controllers.Select(c => c.Name).ToList();
        NvmeNamespace? Now() => Topology.NamespacesOf(controllers).FirstOrDefault(n => n.Name == found.Name);
        NvmeNamespace? Complete()
        {
            if (Now() is not { } now)
                return null;
            var live = names.Select(Topology.FindController).Where(c => c is { IsLive: true }).Select(c => c!.Name);
            return live.All(now.ControllerNames.Contains) ? now : null;
        }
        try
        {
            return await KernelWait.UntilAsync(events,
                relevant: e => e.Subsystem is "block" or "nvme",
                check: Complete,
                describe: () => Topology.DescribeNamespaces(controllers),
                waitingFor: $"a path to {found.Name} through each of {string.Join(", ", names)}",
                Options.PathsTimeout, async, ct, unannounced: KernelWait.Unannounced).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not NvmeNativeTimeoutException && span.Failed(e))
        {
            throw;
        }
        catch (NvmeNativeTimeoutException)
        {
            span?.SetTag(Telemetry.Tags.ErrorType, nameof(NvmeNativeTimeoutException));
            var now = Now() ?? found;
            ConnectorLog.PathsMissing(context.Log, now.DevicePath, string.Join(", ", names.Except(now.ControllerNames)), Options.PathsTimeout);
            return now;
        }
    }

    /// <summary>Makes one portal's controller live; returns the failure instead of throwing so other portals are tried.</summary>
    private async ValueTask<NvmeNativeException?> ConnectLegAsync(TargetProperties target, HostIdentity host, Portal portal, FabricsOptions options,
        UndoJournal journal, List<string> created, List<string> reused, bool async, CancellationToken ct)
    {
        var existing = Topology.ControllersOf(target.SubsystemNqn, portal, host.HostNqn);
        if (existing.FirstOrDefault(c => c.IsLive) is { } live)
        {
            // Some targets send no namespace-change AEN; a rescan makes a newly mapped namespace visible (as os-brick).
            NvmeAdmin.RescanIfPresent(context.Options.Paths, live.Name);
            ConnectorLog.ReusingLive(context.Log, live.Name, portal.ToString());
            reused.Add(live.Name);
            return null;
        }
        if (existing.FirstOrDefault(c => c.State is ControllerState.Connecting or ControllerState.Resetting or ControllerState.New) is { } coming)
        {
            ConnectorLog.WaitingForReconnect(context.Log, coming.Name, portal.ToString(), coming.State.ToString(), Options.ReconnectTimeout);
            try
            {
                reused.Add((await WaitForReconnectAsync(coming.Name, portal, async, ct).ConfigureAwait(false)).Name);
                return null;
            }
            catch (NvmeNativeException e)
            {
                return e;
            }
        }
        try
        {
            var instance = await ConnectAsync(options, portal, async, ct).ConfigureAwait(false);
            created.Add(instance.Name);
            ConnectorLog.Connected(context.Log, instance.Name, portal.ToString(), options.ToString());
            journal.Push($"deleted controller {instance.Name}", () => Controllers.Delete(context, instance));
            return null;
        }
        catch (FabricsConnectException e) when (e.Failure == ConnectFailure.AlreadyConnected)
        {
            // Another process created it between our look and our connect: use theirs, never delete it.
            var raced = Topology.ControllersOf(target.SubsystemNqn, portal, host.HostNqn).FirstOrDefault();
            if (raced is null)
                return e;
            ConnectorLog.RacedConnect(context.Log, raced.Name, portal.ToString());
            reused.Add(raced.IsLive ? raced.Name : (await WaitForReconnectAsync(raced.Name, portal, async, ct).ConfigureAwait(false)).Name);
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
    private ValueTask<NvmeNamespace> WaitForNewNamespaceAsync(IUeventSource events, List<NvmeController> controllers, HashSet<string> before,
        bool async, CancellationToken ct)
    {
        return KernelWait.UntilAsync(events,
            relevant: e => e.Subsystem is "block" or "nvme",
            check: () =>
            {
                var added = Topology.NamespacesOf(controllers).Where(n => !before.Contains(n.Name)).ToList();
                if (added.Count > 1 && added.Select(n => n.Uuid).Distinct().Count() > 1)
                    throw new NvmeNativeException(
                        $"the properties name no namespace (uuid, nguid or ns_id) and {added.Count} new namespaces appeared ({string.Join(", ", added.Select(n => n.Name))}); refusing to guess",
                        "find namespace", controllers[0].SysfsPath);
                return added.FirstOrDefault();
            },
            describe: () => string.Join(", ", Topology.NamespacesOf(controllers).Select(n => n.Name)),
            waitingFor: "a new namespace through " + string.Join(", ", controllers.Select(c => c.Name)),
            Options.DeviceTimeout, async, ct);
    }

    /// <summary>One write to /dev/nvme-fabrics (<see cref="Telemetry.Activities.FabricsConnect"/>); cancellation is honoured up to the write.</summary>
    private async ValueTask<ControllerInstance> ConnectAsync(FabricsOptions options, Portal portal, bool async, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.FabricsConnect, ct);
        if (span is not null)
        {
            span.SetTag(Telemetry.Tags.Nqn, options.SubsystemNqn.Value);
            span.SetTag(Telemetry.Tags.Portal, portal.ToString());
        }
        try
        {
            var instance = await context.Fabrics.ConnectAsync(options, async, ct).ConfigureAwait(false);
            span?.SetTag(Telemetry.Tags.Controller, instance.Name);
            return instance;
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>Waits for a reconnecting controller (<see cref="Telemetry.Activities.ReconnectWait"/>).</summary>
    private async ValueTask<NvmeController> WaitForReconnectAsync(string controller, Portal portal, bool async, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.ReconnectWait, ct);
        if (span is not null)
        {
            span.SetTag(Telemetry.Tags.Controller, controller);
            span.SetTag(Telemetry.Tags.Portal, portal.ToString());
        }
        try
        {
            return await Topology.WaitForControllerLiveAsync(controller, Options.ReconnectTimeout, async, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }
}
