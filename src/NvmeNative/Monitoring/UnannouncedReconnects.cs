using NvmeNative.Topology;

namespace NvmeNative.Monitoring;

/// <summary>
/// Looks again at controllers that are reconnecting, on kernels that do not announce a reconnect. From Linux 5.18 a
/// controller that becomes live again sends a change uevent (<c>NVME_EVENT=connected</c>), which wakes the monitor;
/// before that nothing does (no uevent, no sysfs notification of <c>state</c>), so a replica whose controller came back
/// would wait for the recheck interval (minutes) to be seen live and healed. While a controller is <c>resetting</c> or
/// <c>connecting</c> there, the monitor is woken <see cref="FirstDelay"/> after it is first seen so, then at doubling
/// intervals up to <see cref="MaxDelay"/>; a controller live or gone again is forgotten.
/// </summary>
/// <remarks>
/// Seen on 5.10 in full lab runs: a write in flight on a replica leg when its port went away failed at once (md's
/// failfast writes are not retried), md failed the member although the leg waits for its reconnect, and the controller
/// was live again about a second later with nothing to say so. A controller is seen reconnecting only when something
/// else wakes the monitor (there, md failing the member); a reconnect nothing coincides with goes unseen.
/// </remarks>
internal sealed class UnannouncedReconnects(bool kernelAnnouncesReconnects, Func<long> nowMilliseconds, Action<TimeSpan> wakeIn)
{
    /// <summary>How long after a controller is first seen reconnecting the monitor looks again.</summary>
    internal static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause between two looks while a controller stays reconnecting.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(32);

    private readonly RetryPacing _pacing = new(FirstDelay, MaxDelay);

    /// <summary>Asks to be woken for the next look due at a reconnecting controller among <paramref name="controllers"/>.</summary>
    internal void Watch(IEnumerable<ControllerView> controllers)
    {
        if (kernelAnnouncesReconnects)
            return;
        long now = nowMilliseconds();
        var reconnecting = new HashSet<string>(StringComparer.Ordinal);
        foreach (var controller in controllers)
        {
            if (controller.State is ControllerState.Resetting or ControllerState.Connecting && reconnecting.Add(controller.Name))
                _pacing.TryTake(controller.Name, now, out _); // this look is the one due (or the first): schedules the next
        }
        _pacing.ForgetAllBut(reconnecting);
        if (_pacing.NextDueIn(now) is { } due)
            wakeIn(due);
    }
}
