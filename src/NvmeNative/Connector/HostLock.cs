using System.Collections.Concurrent;
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

    internal static HostLock Acquire(string lockFile, CancellationToken ct)
    {
        var gate = InProcess.GetOrAdd(lockFile, _ => new SemaphoreSlim(1, 1));
        gate.Wait(ct);
        try
        {
            return new HostLock(gate, FileLock.Acquire(lockFile));
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _gate.Release();
    }
}
