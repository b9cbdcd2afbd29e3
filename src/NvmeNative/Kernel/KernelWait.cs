using System.Diagnostics;
using NvmeNative.Errors;

namespace NvmeNative.Kernel;

/// <summary>
/// Event-driven waiting for a kernel state, with a deadline and cancellation, and without sleeping:
/// <list type="number">
/// <item>the caller opens the event source first (events from then on are queued);</item>
/// <item>the state is checked once, so a state that is already true returns at once and a change between
/// opening and checking is not lost (it is either seen by this check or queued as an event);</item>
/// <item>then the thread blocks in poll() until an event arrives; a relevant event (or an overflow, when
/// events were lost) triggers a re-check of the state in sysfs. Events are hints; the state is the truth.</item>
/// </list>
/// A timeout throws <see cref="NvmeNativeTimeoutException"/> naming what was awaited and what was seen last.
/// </summary>
internal static class KernelWait
{
    // Events already queued after a relevant one are absorbed before the single re-check they share,
    // so a burst of adds costs one scan. Bounded so a flood cannot hold off the deadline.
    private const int MaxDrainedPerCheck = 256;

    /// <summary>The longest interval between re-checks of a state no event announces.</summary>
    private static readonly TimeSpan MaxUnannouncedInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The first re-check interval for states the kernel announces by no uevent and no sysfs notification.
    /// Known case: a multipath head's second and later paths. Their hidden per-path disks
    /// (<c>nvmeScCnH</c>) are added with uevents suppressed and without a generic char device
    /// (observed in the lab on 6.1 and 6.12: connecting a second portal sends only the controller's
    /// add/connected events, and its path appears later with no event at all). Re-checking on a short,
    /// doubling interval is then the only way to see it; it still wakes at once on any relevant event.
    /// </summary>
    internal static readonly TimeSpan Unannounced = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Waits until <paramref name="check"/> returns a value.
    /// </summary>
    /// <param name="events">An open event source (opened before anything the wait depends on was looked at).</param>
    /// <param name="relevant">Which events can change the outcome; others do not cause a re-check.</param>
    /// <param name="check">Reads the state: the result when reached, null when not yet. May throw to end the
    /// wait early when the state can no longer be reached (e.g. the controller was deleted).</param>
    /// <param name="describe">What the state looks like now, for the timeout message (called only on timeout).</param>
    /// <param name="waitingFor">What is awaited, for the timeout message.</param>
    /// <param name="timeout">The bound; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <param name="ct">Cancels the wait (<see cref="OperationCanceledException"/>).</param>
    /// <param name="unannounced">For a state the kernel announces by no event (see <see cref="Unannounced"/>):
    /// also re-check when this long has passed without a relevant event, doubling the interval each time up
    /// to <see cref="MaxUnannouncedInterval"/>. Null (the default): only events cause re-checks.</param>
    internal static T Until<T>(IUeventSource events, Func<UeventMessage, bool> relevant, Func<T?> check,
        Func<string> describe, string waitingFor, TimeSpan timeout, CancellationToken ct, TimeSpan? unannounced = null) where T : class =>
        AsyncMode.Completed(UntilAsync(events, relevant, check, describe, waitingFor, timeout, async: false, ct, unannounced));

    /// <summary>
    /// As <see cref="Until{T}"/>; with <paramref name="async"/> each wait for an event is awaited (no thread blocked),
    /// without it the calling thread waits in poll(2) (see <see cref="AsyncMode"/>).
    /// </summary>
    internal static async ValueTask<T> UntilAsync<T>(IUeventSource events, Func<UeventMessage, bool> relevant, Func<T?> check,
        Func<string> describe, string waitingFor, TimeSpan timeout, bool async, CancellationToken ct, TimeSpan? unannounced = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(events);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a timeout must not be negative");
        long start = Stopwatch.GetTimestamp();
        ct.ThrowIfCancellationRequested();
        if (check() is { } already)
            return already;

        TimeSpan? interval = unannounced;
        while (true)
        {
            TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                // One last look: an event may have been queued in the final instant.
                if (check() is { } late)
                    return late;
                throw new NvmeNativeTimeoutException(waitingFor, describe(), timeout);
            }
            TimeSpan wait = interval is { } every && (left == Timeout.InfiniteTimeSpan || every < left) ? every : left;
            UeventReceipt receipt = async ? await events.ReceiveAsync(wait, ct).ConfigureAwait(false) : events.Receive(wait, ct);
            bool recheck = receipt.Kind switch
            {
                UeventReceiptKind.Overflow => true,
                UeventReceiptKind.Event => relevant(receipt.Message!),
                _ => interval is not null, // the unannounced state's re-check interval passed
            };
            if (receipt.Kind == UeventReceiptKind.TimedOut && interval is { } grown)
                interval = grown * 2 < MaxUnannouncedInterval ? grown * 2 : MaxUnannouncedInterval;
            if (!recheck)
                continue;
            for (int i = 0; receipt.Kind != UeventReceiptKind.TimedOut && i < MaxDrainedPerCheck; i++)
            {
                if (events.Receive(TimeSpan.Zero, ct).Kind == UeventReceiptKind.TimedOut)
                    break;
            }
            if (check() is { } reached)
                return reached;
        }
    }
}
