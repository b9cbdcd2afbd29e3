using System.Collections.Concurrent;
using NvmeNative.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Connector;

/// <summary>
/// Serialises attach and detach on this host: first among this process's threads (a semaphore per lock
/// file, so waiting there honours cancellation), then among processes (flock on the lock file, like
/// os-brick's oslo file lock). Held until disposed.
/// </summary>
internal sealed class HostLock : IDisposable
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate;
    private readonly FileLock _file;

    private HostLock(SemaphoreSlim gate, FileLock file)
    {
        _gate = gate;
        _file = file;
    }

    /// <summary>
    /// Takes the lock within <paramref name="timeout"/> (both waits together), or throws
    /// <see cref="NvmeNativeTimeoutException"/> naming the holder; cancellation ends either wait at once.
    /// </summary>
    internal static HostLock Acquire(string lockFile, TimeSpan timeout, CancellationToken ct) =>
        AsyncMode.Completed(AcquireAsync(lockFile, timeout, async: false, ct));

    /// <summary>
    /// As <see cref="Acquire"/>; with <paramref name="async"/> both waits are awaited (<see cref="SemaphoreSlim.WaitAsync(TimeSpan, CancellationToken)"/>,
    /// then the lock file's close notifications, see <see cref="FileLock"/>), so a queued attach holds no thread.
    /// </summary>
    internal static async ValueTask<HostLock> AcquireAsync(string lockFile, TimeSpan timeout, bool async, CancellationToken ct)
    {
        using var span = Spans.StartPhase(Telemetry.Activities.LockWait, ct);
        try
        {
            var gate = InProcess.GetOrAdd(lockFile, _ => new SemaphoreSlim(1, 1));
            var waited = System.Diagnostics.Stopwatch.StartNew();
            bool entered = async ? await gate.WaitAsync(timeout, ct).ConfigureAwait(false) : gate.Wait(timeout, ct);
            if (!entered)
                throw new NvmeNativeTimeoutException($"the host lock {lockFile}", "held by another attach or detach in this process", timeout, lockFile);
            try
            {
                // The lock lives in a directory only root can change (the default's parent, /run/lock, is world-writable):
                // nobody else can plant a link there that root would follow, or hold the lock file and stall every attach.
                SecureDirectory.EnsurePrivate(Path.GetDirectoryName(Path.GetFullPath(lockFile))!);
                var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - waited.Elapsed;
                var file = await FileLock.AcquireAsync(lockFile, left < TimeSpan.Zero ? TimeSpan.Zero : left, async, ct).ConfigureAwait(false);
                return new HostLock(gate, file);
            }
            catch
            {
                gate.Release();
                throw;
            }
        }
        catch (Exception e) when (span.Failed(e))
        {
            throw;
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _gate.Release();
    }
}
