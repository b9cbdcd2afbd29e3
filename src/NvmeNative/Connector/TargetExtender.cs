using System.Globalization;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

/// <summary>
/// os-brick's <c>extend_volume</c> for one target under the host lock: after the namespace was grown on the target,
/// makes this host see the new size. Every live controller of the target that reaches the namespace is told to
/// rescan (not a controller guessed from the device name, os-brick's bug with multipath); the size the target now
/// reports is read with Identify Namespace (NSZE in blocks of the CURRENT LBA format); then it waits, woken by the
/// block device's resize uevent, until the device (and each multipath path) has that size.
/// </summary>
internal sealed class TargetExtender(ConnectorContext context)
{
    internal const string Operation = "extend volume";

    /// <summary>Refuses properties that cannot find the volume to extend (before the lock, changing nothing).</summary>
    internal static void RequireVolumeIdentity(TargetProperties target, string? devicePath)
    {
        if (!target.HasNamespaceIdentifier && devicePath is null)
            throw new InvalidInputException(
                "the properties name no namespace (vol_uuid, volume_nguid or ns_id) and no device_path: the volume to extend cannot be found",
                Operation, "");
    }

    /// <summary>Extends the target's volume; returns its device's new size in bytes.</summary>
    internal async ValueTask<long> ExtendAsync(TargetProperties target, string? devicePath, bool async, CancellationToken cancellationToken)
    {
        var (controllers, selector, byId) = VolumeLookup.Find(context, target);
        var ns = (selector is not null ? byId : context.Topology.NamespacesOf(controllers).FirstOrDefault(n => n.DevicePath == devicePath))
            ?? throw new VolumeNotFoundException(
                $"no device for {(selector?.ToString() ?? devicePath)} through the controllers of {target.SubsystemNqn} at its portals" +
                (controllers.Count == 0 ? " (none is connected)" : $" ({string.Join(", ", controllers.Select(c => c.Name))})"),
                Operation, devicePath);

        // Listen before the rescans: the resize event they cause must not be missed.
        using var events = context.OpenEvents();
        var rescanned = RescanControllersOf(ns, controllers);
        var identity = IdentifyOnAny(rescanned, ns);
        using (var wait = Spans.StartPhase(Telemetry.Activities.SizeWait, cancellationToken))
        {
            wait?.SetTag(Telemetry.Tags.Device, ns.DevicePath);
            try
            {
                await WaitForSizeAsync(events, ns, rescanned, identity, async, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (wait.Failed(e))
            {
                throw;
            }
        }
        return BlockDevices.SizeBytes(ns.DevicePath);
    }

    /// <summary>
    /// A namespace rescan (<see cref="NvmeAdmin.TryRescan"/>) on every live controller through which the namespace is reached, and on every live
    /// controller of the target at its portals (a path that is still being set up). Each path's hidden disk
    /// is resized only by its own controller's scan, and the head forwards I/O to the paths: a path left at
    /// the old size would fail I/O beyond it. Returns the controllers rescanned.
    /// </summary>
    private List<NvmeController> RescanControllersOf(NvmeNamespace ns, IReadOnlyList<NvmeController> atPortals)
    {
        var names = ns.ControllerNames.Concat(atPortals.Select(c => c.Name)).Distinct(StringComparer.Ordinal);
        var live = names.Select(context.Topology.FindController).Where(c => c is { IsLive: true }).Select(c => c!).ToList();
        var rescanned = new List<NvmeController>();
        var failures = new List<string>();
        foreach (var controller in live)
        {
            int errno = NvmeAdmin.TryRescan(context.Options.Paths, controller.Name);
            if (errno == 0)
                rescanned.Add(controller);
            else
                failures.Add($"{controller.Name}: {ErrnoText.Name(errno)}");
        }
        if (rescanned.Count == 0)
            throw new NvmeNativeException(
                live.Count == 0
                    ? $"no controller that reaches {ns.Name} is live ({string.Join(", ", ns.ControllerNames)}): the new size cannot be read"
                    : "no controller could be rescanned: " + string.Join("; ", failures),
                Operation, ns.DevicePath);
        return rescanned;
    }

    /// <summary>Identify Namespace through the first controller that answers (all report the same namespace).</summary>
    private static NamespaceIdentity IdentifyOnAny(List<NvmeController> controllers, NvmeNamespace ns)
    {
        var failures = new List<NvmeNativeException>();
        foreach (var controller in controllers)
        {
            try
            {
                return NvmeAdmin.IdentifyNamespace(controller.DevicePath, ns.Nsid.Value);
            }
            catch (NvmeNativeException e)
            {
                failures.Add(e);
            }
        }
        throw failures.Count == 1 ? failures[0]
            : new NvmeNativeException("Identify Namespace failed on every controller: " + string.Join("; ", failures.Select(f => f.Message)),
                Operation, ns.DevicePath);
    }

    /// <summary>
    /// Waits until sysfs <c>size</c> (512-byte sectors) of the device, then of each path disk of a multipath
    /// head through the rescanned controllers, equals the identified size. The device's resize is announced
    /// by a <c>change</c> uevent with <c>RESIZE=1</c>, so the first wait is woken by events alone. A head's
    /// hidden path disks are resized with no event at all (their uevents are suppressed), so only if one of
    /// them still lags after the head is it re-checked on <see cref="KernelWait.Unannounced"/>'s short
    /// doubling interval.
    /// </summary>
    private async ValueTask WaitForSizeAsync(IUeventSource events, NvmeNamespace ns, List<NvmeController> rescanned, NamespaceIdentity identity,
        bool async, CancellationToken ct)
    {
        var tree = new SysfsTree(context.Options.Paths);
        var timeout = context.Options.DeviceTimeout;
        var rescannedNames = rescanned.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var paths = ns.Paths.Where(p => rescannedNames.Contains(p.ControllerName))
            .Select(p => (p.Name, Dir: Path.Combine(tree.ControllerDir(p.ControllerName), p.Name))).ToList();
        var all = paths.Prepend((ns.Name, Dir: tree.BlockDir(ns.Name))).ToList();
        long want = identity.SizeSectors;
        static long? SectorsIn(string dir) => SysfsTree.LongAttribute(dir, "size");
        string Describe() => string.Join(", ", all.Select(d => $"{d.Name} {SectorsIn(d.Dir)?.ToString(CultureInfo.InvariantCulture) ?? "gone"}")) +
            $" sectors; the target reports {identity}";
        string waitingFor = $"to reach {want.ToString(CultureInfo.InvariantCulture)} sectors ({identity.SizeBytes.ToString(CultureInfo.InvariantCulture)} bytes)";
        var deadline = System.Diagnostics.Stopwatch.StartNew();

        await KernelWait.UntilAsync(events,
            relevant: e => e.Subsystem == "block" && e.Action == "change",
            check: () => SectorsIn(all[0].Dir) == want ? ns : null,
            describe: Describe, waitingFor: $"{ns.Name} {waitingFor}", timeout, async, ct).ConfigureAwait(false);
        if (paths.Count == 0 || paths.All(p => SectorsIn(p.Dir) == want))
            return;
        var left = timeout - deadline.Elapsed;
        await KernelWait.UntilAsync(events,
            relevant: e => e.Subsystem == "block" && e.Action == "change",
            check: () => paths.All(p => SectorsIn(p.Dir) == want) ? ns : null,
            describe: Describe, waitingFor: $"the paths of {ns.Name} ({string.Join(", ", paths.Select(p => p.Name))}) {waitingFor}",
            left > TimeSpan.Zero ? left : TimeSpan.Zero, async, ct, unannounced: KernelWait.Unannounced).ConfigureAwait(false);
    }
}
