using System.Diagnostics;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>The md phases as <see cref="Telemetry"/> spans; each start is a cancellation point (nothing has changed yet).</summary>
internal static class MdSpans
{
    internal static Activity? Start(string name, MdDeviceName md, CancellationToken ct)
    {
        var span = Spans.StartPhase(name, ct);
        span?.SetTag(Telemetry.Tags.MdDevice, md.Value);
        return span;
    }

    /// <summary>A group of md ioctls (<see cref="Telemetry.Activities.MdIoctl"/>), named by <paramref name="group"/>.</summary>
    internal static Activity? Ioctls(string group, MdDeviceName md, CancellationToken ct)
    {
        var span = Start(Telemetry.Activities.MdIoctl, md, ct);
        span?.SetTag(Telemetry.Tags.MdIoctls, group);
        return span;
    }

    /// <summary>RUN_ARRAY and RESTART_ARRAY_RW (or array_state=readonly) as the <c>run</c> ioctl group.</summary>
    internal static void Run(MdPaths paths, MdControl control, bool readOnly, string operation, CancellationToken ct)
    {
        using var span = Ioctls("run", control.Device, ct);
        try
        {
            MdStarter.Start(paths, control, readOnly, operation);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>The map entry and /dev/md link of a running array (<see cref="Telemetry.Activities.MdPublish"/>).</summary>
    internal static MdArray Publish(MdPaths paths, UndoJournal journal, MdDeviceName md, MdUuid uuid, MdArrayName? name,
        IReadOnlyList<string> members, string operation, CancellationToken ct)
    {
        using var span = Start(Telemetry.Activities.MdPublish, md, ct);
        try
        {
            return MdPublisher.Publish(paths, journal, md, uuid, name, members, operation);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }
}
