using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Monitoring;

/// <summary>
/// What wakes the monitor: uevents for md and NVMe devices, poll(2) on the sysfs attributes md and the controllers
/// notify, and a recheck interval as a safety net. A wake-up is never truth, only a reason to re-read the host.
/// </summary>
internal sealed class WakeSources(TimeSpan recheck) : IDisposable
{
    private static readonly HashSet<string> WatchedSubsystems = new(StringComparer.Ordinal) { "block", "nvme", "nvme-subsystem" };

    private readonly TimeSpan _recheck = recheck;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private int _wakePending;
    private long _wakeAt = long.MaxValue;
    private bool _watchBroken;
    private (IReadOnlyList<string> Attributes, CancellationTokenSource Rewatch) _watch = ([], new CancellationTokenSource());

    /// <summary>Watches <paramref name="attributes"/> from now on (the sysfs loop re-arms when the set changed).</summary>
    internal void Watch(IReadOnlyList<string> attributes)
    {
        lock (_gate)
        {
            if (!_watchBroken && attributes.SequenceEqual(_watch.Attributes, StringComparer.Ordinal))
                return;
            _watchBroken = false;
            var old = _watch.Rewatch;
            _watch = (attributes, new CancellationTokenSource());
            // Cancelled, never disposed: the sysfs loop may be about to use the token it copied under the lock (its
            // wait handle, a linked source), which a disposed source would refuse with ObjectDisposedException.
            old.Cancel();
        }
    }

    /// <summary>Asks for a reconcile; wake-ups that arrive before it runs are one.</summary>
    internal void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
            _wake.Release();
    }

    /// <summary>
    /// Asks for a reconcile <paramref name="delay"/> from now at the latest (the earliest of the requests made since the
    /// last wake-up counts). For work the monitor schedules itself, such as a rescan; called from the reconcile thread.
    /// </summary>
    internal void WakeIn(TimeSpan delay)
    {
        long at = Environment.TickCount64 + (long)Math.Max(0, delay.TotalMilliseconds);
        lock (_gate)
            _wakeAt = Math.Min(_wakeAt, at);
    }

    /// <summary>Waits for the next wake-up (or the time <see cref="WakeIn"/> asked for) and takes it.</summary>
    internal void WaitForWake(CancellationToken ct)
    {
        long at;
        lock (_gate)
            at = _wakeAt;
        if (at == long.MaxValue)
            _wake.Wait(ct);
        else
            _wake.Wait(TimeSpan.FromMilliseconds(Math.Max(0, at - Environment.TickCount64)), ct);
        lock (_gate)
            _wakeAt = long.MaxValue; // what is still wanted is asked for again by the reconcile this wake-up runs
        Interlocked.Exchange(ref _wakePending, 0);
    }

    /// <summary>Wakes on every uevent of an md or NVMe device, and at least every recheck interval.</summary>
    internal void UeventLoop(IUeventSource events, CancellationToken ct)
    {
        while (true)
        {
            var receipt = events.Receive(_recheck, ct);
            // An event is a wake-up, never truth: the next read of sysfs says what it meant.
            if (receipt.Kind != UeventReceiptKind.Event || receipt.Message is { } m && m.Subsystem is { } s && WatchedSubsystems.Contains(s)
                && (m.KernelName.StartsWith("md", StringComparison.Ordinal) || m.KernelName.StartsWith("nvme", StringComparison.Ordinal)))
                Wake();
        }
    }

    /// <summary>Wakes when a watched attribute notifies (poll(2)), and at least every recheck interval.</summary>
    internal void SysfsLoop(CancellationToken ct)
    {
        while (true)
        {
            IReadOnlyList<string> attributes;
            CancellationToken rewatch;
            lock (_gate)
            {
                attributes = _watch.Attributes;
                rewatch = _watch.Rewatch.Token;
            }
            try
            {
                if (attributes.Count == 0)
                {
                    WaitHandle.WaitAny([ct.WaitHandle, rewatch.WaitHandle], _recheck);
                    ct.ThrowIfCancellationRequested();
                    continue;
                }
                using var watch = new SysfsWatch(attributes);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, rewatch);
                while (true)
                {
                    watch.Arm();
                    Wake();
                    watch.Wait(Environment.TickCount64 + (long)_recheck.TotalMilliseconds, linked.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The set of arrays or members changed: watch the new one.
            }
            catch (NvmeNativeException)
            {
                // An attribute went away (an array stopped, a member left): re-read, and watch what is there then, even
                // when it has the same name again (a member removed and re-added under the same device).
                lock (_gate)
                    _watchBroken = true;
                Wake();
                WaitHandle.WaitAny([ct.WaitHandle, rewatch.WaitHandle], _recheck);
            }
        }
    }

    /// <summary>Forgets the watched attributes (the monitor stopped; a restart reads the host afresh).</summary>
    internal void Reset()
    {
        lock (_gate)
        {
            var old = _watch.Rewatch;
            _watch = ([], new CancellationTokenSource());
            old.Cancel(); // not disposed, as in Watch
        }
    }

    public void Dispose()
    {
        _watch.Rewatch.Dispose();
        _wake.Dispose();
    }
}
