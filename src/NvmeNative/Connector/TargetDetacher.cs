using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// Detaches one target's volume under the host lock: flushes its device (a failure ends the detach unless
/// forced), forgets the attach record, and deletes each of its controllers that nothing else on this host uses.
/// </summary>
internal sealed class TargetDetacher(ConnectorContext context)
{
    /// <summary>Detaches <paramref name="target"/>; returns the device path it flushed or would have.</summary>
    /// <param name="target">The target, its host-name portals resolved.</param>
    /// <param name="knownPath">The caller's device path (os-brick's device_info), if any.</param>
    /// <param name="force">Go on when the flush failed (os-brick's force): unwritten data may be lost.</param>
    /// <param name="ignoreErrors">Log controller deletion failures as tolerated (they are still gathered).</param>
    /// <param name="outcome">Where deletions, kept controllers and errors are gathered.</param>
    /// <param name="flush">False when something above the device (the md array) was flushed and stopped already.</param>
    internal string? Detach(TargetProperties target, string? knownPath, bool force, bool ignoreErrors, DetachOutcome outcome, bool flush = true)
    {
        var (controllers, _, ns) = VolumeLookup.Find(context, target);
        string? path = knownPath ?? ns?.DevicePath;

        if (flush && path is not null && File.Exists(path))
        {
            if (controllers.Count > 0 && !controllers.Any(c => c.IsLive))
                SkipFlushWithoutLivePath(path, controllers, force, target.SubsystemNqn.Value, outcome);
            else
                FlushOrTolerate(path, force, target.SubsystemNqn.Value, outcome);
        }

        // This volume is no longer in use by us, whatever happens next.
        if (ns is not null)
            context.Records.Remove(ns.Name);
        else if (path is not null)
            context.Records.Remove(Path.GetFileName(path));

        int deletedBefore = outcome.Deleted.Count, keptBefore = outcome.Kept.Count;
        foreach (var controller in controllers)
        {
            // Keep the controller while another namespace on it is in use (another attached volume); the target
            // may well export namespaces nobody here uses, and those must not pin the controller.
            bool othersLeft = context.Topology.NamespacesOf([controller])
                .Where(n => !(ns is not null && n.Name == ns.Name) && !(path is not null && n.DevicePath == path))
                .Any(n => context.Records.IsInUse(n.Name, n.DevicePath));
            if (othersLeft)
            {
                outcome.Kept.Add(controller.Name);
                continue;
            }
            try
            {
                if (Controllers.Delete(context, controller.Instance, controller.Name))
                    outcome.Deleted.Add(controller.Name);
            }
            catch (NvmeNativeException e)
            {
                if (ignoreErrors)
                    ConnectorLog.DetachErrorTolerated(context.Log, target.SubsystemNqn.Value, e.Message);
                outcome.Errors.Add(e);
            }
        }
        var deleted = outcome.Deleted.Skip(deletedBefore).ToList();
        var kept = outcome.Kept.Skip(keptBefore).ToList();
        ConnectorLog.Detached(context.Log, path ?? "(no device)", target.SubsystemNqn.Value,
            deleted.Count == 0 ? "none" : string.Join(", ", deleted), kept.Count == 0 ? "none" : string.Join(", ", kept));
        return path;
    }

    /// <summary>
    /// No controller of the volume is live (each is reconnecting, or being reset or deleted): a flush would wait on the
    /// queued I/O for as long as the controller reconnects, for ever with os-brick's <c>ctrl_loss_tmo=-1</c>. With
    /// <paramref name="force"/> the flush is skipped (recorded as an error: unwritten data is lost) and the controllers
    /// are deleted, which fails that I/O; without it the detach ends now, with everything in place.
    /// </summary>
    private void SkipFlushWithoutLivePath(string path, IReadOnlyList<NvmeNative.Topology.NvmeController> controllers, bool force, string subject,
        DetachOutcome outcome)
    {
        string states = string.Join(", ", controllers.Select(c => $"{c.Name} {c.StateName ?? "gone"}"));
        var e = new NvmeNativeException(
            $"{path} cannot be flushed: no controller of {subject} is live ({states}), so the flush would wait for a reconnect that may never come" +
            (force ? "; not flushed (force): data not yet written is lost" : "; detach again when it is live, or with force (data not yet written is lost)"),
            "disconnect volume", path);
        if (!force)
            throw e;
        ConnectorLog.DetachErrorTolerated(context.Log, subject, e.Message);
        outcome.Errors.Add(e);
    }

    /// <summary>Flushes <paramref name="path"/> (blockdev --flushbufs); a failure is thrown, or with <paramref name="force"/> recorded and passed over (os-brick).</summary>
    internal void FlushOrTolerate(string path, bool force, string subject, DetachOutcome outcome)
    {
        using var span = Spans.Start(Telemetry.Activities.Flush);
        span?.SetTag(Telemetry.Tags.Device, path);
        try
        {
            BlockDevices.Flush(path);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
        catch (NvmeNativeException e) when (force)
        {
            ConnectorLog.DetachErrorTolerated(context.Log, subject, e.Message);
            outcome.Errors.Add(e);
        }
    }
}
