using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// md RAID1 arrays through md ioctls and sysfs, without mdadm: create, assemble, stop, grow, member control,
/// state and waits. Arrays it creates are mdadm arrays in every respect (v1.2 superblock, internal bitmap,
/// failfast members, /run/mdadm/map entry, /dev/md/NAME link), so mdadm and this class can take turns on them.
/// Every failure is an <see cref="NvmeNativeException"/>: bad input (a name, a member that is not a usable block
/// device, an array that does not exist) is an <see cref="InvalidInputException"/> thrown before anything is written
/// or changed, a wait that reaches its deadline an <see cref="NvmeNativeTimeoutException"/>, and every other md
/// failure an <see cref="MdException"/> (<see cref="MdAssembleRefusedException"/>, <see cref="MdSuperblockException"/>).
/// </summary>
public sealed partial class MdArrays
{
    private readonly MdPaths _paths;

    /// <summary>Works on the real host (/sys, /dev, /proc, /run).</summary>
    public MdArrays()
        : this(KernelPaths.Host)
    {
    }

    /// <summary>Works under the given roots (tests use a fake tree).</summary>
    public MdArrays(KernelPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = new MdPaths(paths);
    }

    /// <summary>
    /// Stops an array and removes its /dev/md links and map entry. An array that is already gone counts as
    /// stopped; with <paramref name="expectedUuid"/>, a device name that now belongs to another array is left alone.
    /// </summary>
    /// <returns>True when an array was stopped, false when there was nothing to stop.</returns>
    public bool Stop(MdDeviceName device, MdUuid? expectedUuid = null, CancellationToken cancellationToken = default) =>
        new MdStopper(_paths).Stop(device, expectedUuid, cancellationToken);

    /// <summary>As <see cref="Stop(MdDeviceName, MdUuid?, CancellationToken)"/>, its EBUSY pauses awaited when <paramref name="async"/>.</summary>
    internal ValueTask<bool> StopAsync(MdDeviceName device, MdUuid? expectedUuid, bool async, CancellationToken cancellationToken) =>
        new MdStopper(_paths).StopAsync(device, expectedUuid, async, cancellationToken);

    /// <summary>Stops an array this library created, assembled or adopted (guarded by its uuid).</summary>
    public bool Stop(MdArray array, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(array);
        return Stop(array.Device, array.Uuid, cancellationToken);
    }

    /// <summary>
    /// Grows a RAID1 array to the size of its (enlarged) members, as <c>mdadm --grow --size=max</c>; md then
    /// resyncs the new region. Returns the new array size in bytes.
    /// </summary>
    public long Grow(MdDeviceName device)
    {
        using var span = Spans.Start(Telemetry.Activities.MdIoctl);
        span?.SetTag(Telemetry.Tags.MdIoctls, "grow");
        span?.SetTag(Telemetry.Tags.MdDevice, device.Value);
        try
        {
            return new MdGrower(_paths).GrowToMax(device);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>The array as sysfs shows it, or null when there is no such md device.</summary>
    public MdArrayState? GetState(MdDeviceName device) => MdSysfs.TryRead(_paths, device);

    /// <summary>The array as GET_ARRAY_INFO and GET_DISK_INFO report it, or null when it does not exist or is not configured.</summary>
    public MdArrayInfo? GetInfo(MdDeviceName device)
    {
        // Never open a node whose md device does not exist: md's open-to-create path would make a phantom one.
        if (!new MdLocator(_paths).Exists(device))
            return null;
        using var control = MdControl.TryOpen(_paths, device, exclusive: false, out int errno);
        if (control is null)
            return errno is (int)Errno.ENOENT or (int)Errno.ENXIO or (int)Errno.ENODEV
                ? null
                : throw new MdException("cannot open the md device", "get info", _paths.Node(device), errno: errno);
        return MdInfoReader.Read(control);
    }

    /// <summary>
    /// Marks a member faulty (SET_DISK_FAULTY), as an I/O error would. Failing the last in-sync mirror is refused
    /// (EBUSY) before the ioctl, as mdadm does: md would refuse it too, but would also mark the array broken
    /// (MD_BROKEN), after which every write to it fails with EIO.
    /// </summary>
    /// <param name="device">The array.</param>
    /// <param name="member">The member's device path, or its kernel name (nvme1n1) when the node is gone.</param>
    public void FailMember(MdDeviceName device, string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var bound = MdMembers.Resolve(_paths, device, member, "fail member");
        if (bound.IsActive && GetState(device) is { } state && state.Members.Count(m => m.IsActive) <= 1)
            throw new InvalidInputException($"refused: it is the last in-sync mirror of {device} (failing it would break the array)",
                "fail member", nameof(member), member, errno: (int)Errno.EBUSY);
        using var span = MemberSpan(device);
        try
        {
            using var control = MdControl.Open(_paths, device, exclusive: false, "fail member");
            control.SetDiskFaulty(bound.Major, bound.Minor, member);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>Detaches a faulty (or spare) member from the array (HOT_REMOVE_DISK).</summary>
    /// <param name="device">The array.</param>
    /// <param name="member">The member's device path, or its kernel name when the node is gone.</param>
    /// <param name="timeout">How long to wait for md to release the slot of a just-failed member (10 s by default).</param>
    /// <param name="cancellationToken">Cancels that wait.</param>
    /// <remarks>
    /// Right after a failure md may still hold the faulty member in its slot (in-flight I/O, a pending superblock
    /// update) and HOT_REMOVE_DISK says EBUSY; md's thread then pulls it out of the slot and notifies sysfs
    /// (degraded, dev-*/state), so the removal waits for that event (at most <paramref name="timeout"/>, 10 s by default)
    /// and tries once more.
    /// </remarks>
    public void RemoveMember(MdDeviceName device, string member, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        AsyncMode.Completed(RemoveMemberAsync(device, member, timeout, async: false, cancellationToken));

    /// <summary>As <see cref="RemoveMember"/>; with <paramref name="async"/> the wait for md to release the slot is awaited.</summary>
    internal async ValueTask RemoveMemberAsync(MdDeviceName device, string member, TimeSpan? timeout, bool async,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        var bound = MdMembers.Resolve(_paths, device, member, "remove member");
        using var control = MdControl.Open(_paths, device, exclusive: false, "remove member");
        int errno;
        using (var first = MemberSpan(device))
            errno = control.TryHotRemoveDisk(bound.Major, bound.Minor);
        if (errno == 0)
            return;
        if (errno != (int)Errno.EBUSY || (bound.IsActive && !bound.Flags.HasFlag(MdMemberFlags.Faulty)))
            throw control.HotRemoveError(errno, member);
        await WaitForAsync(device, s => s.Members.FirstOrDefault(m => m.Major == bound.Major && m.Minor == bound.Minor) is not { Slot: not null },
            $"{bound.KernelName} out of its slot", timeout ?? TimeSpan.FromSeconds(10), async, cancellationToken).ConfigureAwait(false);
        using var span = MemberSpan(device);
        try
        {
            control.HotRemoveDisk(bound.Major, bound.Minor, member);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the array's state, woken by md's sysfs notifications
    /// (no polling). Throws <see cref="NvmeNativeTimeoutException"/> at the deadline, naming <paramref name="awaited"/> and
    /// the last state seen, and <see cref="OperationCanceledException"/> on cancellation.
    /// </summary>
    public MdArrayState WaitFor(MdDeviceName device, Func<MdArrayState, bool> condition, string awaited, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return AsyncMode.Completed(WaitForAsync(device, condition, awaited, timeout, async: false, cancellationToken));
    }

    /// <summary>As <see cref="WaitFor"/>; with <paramref name="async"/> md's notifications are awaited, blocking no thread.</summary>
    internal async ValueTask<MdArrayState> WaitForAsync(MdDeviceName device, Func<MdArrayState, bool> condition, string awaited,
        TimeSpan timeout, bool async, CancellationToken cancellationToken)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.MdWait, cancellationToken);
        span?.SetTag(Telemetry.Tags.MdDevice, device.Value);
        try
        {
            return await new MdWaiter(_paths).WaitForAsync(device, condition, awaited, timeout, async, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    /// <summary>A span for one member ioctl (add, re-add, remove, fail).</summary>
    private static System.Diagnostics.Activity? MemberSpan(MdDeviceName device)
    {
        var span = Spans.Start(Telemetry.Activities.MdIoctl);
        span?.SetTag(Telemetry.Tags.MdIoctls, "member");
        span?.SetTag(Telemetry.Tags.MdDevice, device.Value);
        return span;
    }

    /// <summary>Waits until every mirror is in sync and no resync/recovery runs (after a re-add, an add or a grow).</summary>
    public MdArrayState WaitForInSync(MdDeviceName device, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitFor(device, s => s.IsInSync, "all mirrors in sync and sync_action idle", timeout, cancellationToken);
}
