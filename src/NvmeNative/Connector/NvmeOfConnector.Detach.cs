using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Kernel;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Connector;

public sealed partial class NvmeOfConnector
{
    /// <summary>
    /// Detaches a volume: flushes its device, then deletes each controller of its target that is left with no
    /// other namespace in use (another attached volume, a holder such as md, or an exclusive claim such as a
    /// mount): a target shared with another attached volume keeps its controller. A volume that is already
    /// gone succeeds.
    /// </summary>
    /// <param name="properties">The volume's connection properties.</param>
    /// <param name="devicePath">os-brick's <c>device_info["path"]</c>, if the caller has it.</param>
    /// <param name="force">Go on deleting controllers even when the flush failed (os-brick's <c>force</c>): unwritten
    /// data may be lost. Without it a failed flush ends the detach at once, with the controllers left in place.</param>
    /// <param name="ignoreErrors">Return instead of throwing when something failed; the errors are in the result.</param>
    /// <param name="cancellationToken">Cancels waiting for the host lock.</param>
    /// <exception cref="NvmeNativeException">The flush (without <paramref name="force"/>) or a controller deletion failed.</exception>
    public DetachedVolume Disconnect(ConnectionProperties properties, string? devicePath = null, bool force = false,
        bool ignoreErrors = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.IsReplicated)
            return DisconnectReplicated(properties, devicePath, force, ignoreErrors, cancellationToken);
        var target = WithResolvedPortals(properties.Targets[0], cancellationToken);

        using var hostLock = HostLock.Acquire(_options.LockFilePath, cancellationToken);
        var outcome = new DetachOutcome();
        string? path = DetachTargetLocked(target, devicePath ?? properties.DevicePath, force, ignoreErrors, outcome);
        return outcome.Finish(path, ignoreErrors);
    }

    /// <summary>What a detach did and what went wrong, gathered over one or more targets.</summary>
    private sealed class DetachOutcome
    {
        internal List<string> Deleted { get; } = [];

        internal List<string> Kept { get; } = [];

        internal List<NvmeNativeException> Errors { get; } = [];

        internal DetachedVolume Finish(string? path, bool ignoreErrors)
        {
            if (Errors.Count > 0 && !ignoreErrors)
                throw Errors.Count == 1 ? Errors[0]
                    : new NvmeNativeException("detach finished with errors: " + string.Join("; ", Errors.Select(e => e.Message)), "disconnect volume", path);
            return new DetachedVolume(path, Deleted, Kept, Errors);
        }
    }

    /// <summary>
    /// One target's detach under the host lock: flush its device (a failure ends the detach unless
    /// <paramref name="force"/>), forget the attach record, delete each of its controllers that nothing else uses.
    /// Returns the device path it flushed or would have.
    /// </summary>
    private string? DetachTargetLocked(TargetProperties target, string? knownPath, bool force, bool ignoreErrors, DetachOutcome outcome,
        bool flush = true)
    {
        var hostNqn = target.HostNqn ?? HostIdentityStore.TryLoad(_options.Paths)?.HostNqn;
        var controllers = ControllersAtPortals(target, hostNqn);
        var selector = NamespaceSelector.FromIdentifiers(target.NamespaceUuid, target.Nguid, target.NamespaceId);
        var ns = selector is not null && controllers.Count > 0 ? _topology.FindNamespace(controllers, selector) : null;
        string? path = knownPath ?? ns?.DevicePath;

        if (flush && path is not null && File.Exists(path))
            FlushOrTolerate(path, force, target.SubsystemNqn.Value, outcome);

        // This volume is no longer in use by us, whatever happens next.
        if (ns is not null)
            _records.Remove(ns.Name);
        else if (path is not null)
            _records.Remove(Path.GetFileName(path));

        int deletedBefore = outcome.Deleted.Count, keptBefore = outcome.Kept.Count;
        foreach (var controller in controllers)
        {
            // Keep the controller while another namespace on it is in use (another attached volume); the target
            // may well export namespaces nobody here uses, and those must not pin the controller.
            bool othersLeft = _topology.NamespacesOf([controller])
                .Where(n => !(ns is not null && n.Name == ns.Name) && !(path is not null && n.DevicePath == path))
                .Any(n => _records.IsInUse(n.Name, n.DevicePath));
            if (othersLeft)
            {
                outcome.Kept.Add(controller.Name);
                continue;
            }
            try
            {
                if (_fabrics.DeleteController(controller.Instance))
                    outcome.Deleted.Add(controller.Name);
            }
            catch (NvmeNativeException e)
            {
                if (ignoreErrors)
                    ConnectorLog.DetachErrorTolerated(Log, target.SubsystemNqn.Value, e.Message);
                outcome.Errors.Add(e);
            }
        }
        var deleted = outcome.Deleted.Skip(deletedBefore).ToList();
        var kept = outcome.Kept.Skip(keptBefore).ToList();
        ConnectorLog.Detached(Log, path ?? "(no device)", target.SubsystemNqn.Value,
            deleted.Count == 0 ? "none" : string.Join(", ", deleted), kept.Count == 0 ? "none" : string.Join(", ", kept));
        return path;
    }

    /// <summary>Flushes <paramref name="path"/>; a failure is thrown, or with <paramref name="force"/> recorded and passed over (os-brick).</summary>
    private void FlushOrTolerate(string path, bool force, string subject, DetachOutcome outcome)
    {
        try
        {
            Flush(path);
        }
        catch (NvmeNativeException e) when (force)
        {
            ConnectorLog.DetachErrorTolerated(Log, subject, e.Message);
            outcome.Errors.Add(e);
        }
    }

    /// <summary>
    /// os-brick's <c>get_volume_paths</c>: the caller's device path if given, else the properties'
    /// <c>device_path</c>, else the namespace found now among the target's controllers (no waiting); empty when none.
    /// </summary>
    public IReadOnlyList<string> GetVolumePaths(ConnectionProperties properties, string? devicePath = null)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if ((devicePath ?? properties.DevicePath) is { } known)
            return [known];
        if (properties.IsReplicated)
            return GetReplicatedVolumePaths(properties);
        var target = WithResolvedPortals(properties.Targets[0], CancellationToken.None);
        var controllers = ControllersAtPortals(target, target.HostNqn ?? HostIdentityStore.TryLoad(_options.Paths)?.HostNqn);
        var selector = NamespaceSelector.FromIdentifiers(target.NamespaceUuid, target.Nguid, target.NamespaceId);
        if (selector is null || controllers.Count == 0)
            return [];
        return _topology.FindNamespace(controllers, selector) is { } ns ? [ns.DevicePath] : [];
    }

    private List<NvmeController> ControllersAtPortals(TargetProperties target, Nqn? hostNqn) =>
        target.Portals.SelectMany(p => _topology.ControllersOf(target.SubsystemNqn, p, hostNqn))
            .DistinctBy(c => c.Name).ToList();

    /// <summary>Writes back everything cached for the device (blockdev --flushbufs: fsync, then BLKFLSBUF).</summary>
    private static void Flush(string path)
    {
        using var fd = Fd.Open(path, Interop.Fcntl.O_RDONLY);
        Fd.Fsync(fd, path);
        Fd.IoctlValue(fd, Interop.Fs.BLKFLSBUF, 0, "BLKFLSBUF", path);
    }
}
