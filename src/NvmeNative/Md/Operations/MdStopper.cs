using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// Stops an array the way mdadm --stop does (Manage.c Manage_stop): exclusive open of the md node, STOP_ARRAY with a
/// bounded retry while it returns EBUSY, then the /dev/md links and the map entry go. An array that is already gone
/// is a success, and a device name now used by a different array (another uuid) is left alone.
/// </summary>
internal sealed class MdStopper(MdPaths paths)
{
    // mdadm's budget: 25 attempts, 200 ms apart. STOP_ARRAY says EBUSY while anyone but us has the md device open
    // (a udev/blkid probe after the array's change uevent, a monitoring tool). The kernel offers no notification
    // when the opener count drops (bd_openers and md's openers are not sysfs attributes and nothing is notified on
    // close), so a short bounded backoff is the only way to wait for such transient openers.
    private const int Attempts = 25;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Stops the array; returns false when there was nothing to stop (gone, or the name now belongs to another array).</summary>
    internal bool Stop(MdDeviceName md, MdUuid? expectedUuid, CancellationToken cancellationToken) =>
        AsyncMode.Completed(StopAsync(md, expectedUuid, async: false, cancellationToken));

    /// <summary>As <see cref="Stop"/>; with <paramref name="async"/> the pauses between EBUSY retries are awaited.</summary>
    internal async ValueTask<bool> StopAsync(MdDeviceName md, MdUuid? expectedUuid, bool async, CancellationToken cancellationToken)
    {
        var locator = new MdLocator(paths);
        bool stopped = false;
        if (locator.Exists(md) && (expectedUuid is not { } expected || locator.UuidOf(md) is not { } actual || actual == expected))
            stopped = await StopDeviceAsync(md, async, cancellationToken).ConfigureAwait(false);
        if (stopped || !locator.Exists(md) || expectedUuid is null || locator.UuidOf(md) is null)
            Forget(md, expectedUuid);
        return stopped;
    }

    /// <summary>Removes the links to the md device and its map entry (only an entry with the expected uuid, when one is given).</summary>
    internal void Forget(MdDeviceName md, MdUuid? expectedUuid)
    {
        var map = new MdMapFile(paths);
        var entry = map.Read().FirstOrDefault(e => e.Device == md);
        if (expectedUuid is { } uuid && entry is not null && entry.Uuid != uuid)
            return; // the map now describes another array under this name: not ours to clean
        new MdLinks(paths).RemoveAll(md);
        if (entry is not null)
            map.Remove(md);
    }

    private async ValueTask<bool> StopDeviceAsync(MdDeviceName md, bool async, CancellationToken cancellationToken)
    {
        using var span = Spans.Start(Telemetry.Activities.MdIoctl);
        span?.SetTag(Telemetry.Tags.MdIoctls, "stop");
        span?.SetTag(Telemetry.Tags.MdDevice, md.Value);
        try
        {
            return await StopOpenedAsync(md, async, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    private async ValueTask<bool> StopOpenedAsync(MdDeviceName md, bool async, CancellationToken cancellationToken)
    {
        using var control = MdControl.TryOpen(paths, md, exclusive: true, out int errno);
        if (control is null)
        {
            if (errno is (int)Errno.ENOENT or (int)Errno.ENXIO or (int)Errno.ENODEV)
                return false; // went away (or is being deleted: MD_CLOSING makes new opens fail with ENODEV)
            throw new MdException(errno == (int)Errno.EBUSY
                    ? "cannot get exclusive access: the array is mounted, used by device-mapper or held open exclusively"
                    : "cannot open the md device", "stop", paths.Node(md), errno: errno);
        }
        for (int attempt = 1; ; attempt++)
        {
            errno = control.TryStopArray();
            if (errno == 0)
                return true;
            if (errno != (int)Errno.EBUSY || attempt == Attempts)
                throw new MdException(errno == (int)Errno.EBUSY
                        ? $"the array is still in use after {Attempts} attempts (someone else has it open)"
                        : "STOP_ARRAY failed", "ioctl STOP_ARRAY", control.Node, errno: errno);
            if (async)
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            else if (cancellationToken.WaitHandle.WaitOne(RetryDelay))
                cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
