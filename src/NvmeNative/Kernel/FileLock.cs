using System.Diagnostics;
using System.Globalization;
using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// An exclusive advisory lock on a file (flock), held until disposed. Used for the per-host attach lock,
/// the C# counterpart of os-brick's oslo file lock, so that attach and detach in different processes
/// (an agent and an operator's CLI, say) never interleave, and for mdadm's map.lock. The kernel drops the
/// lock if the process dies. flock belongs to the open file description, so a second acquire in the same
/// process waits for the first like any other holder.
/// </summary>
internal sealed class FileLock : IDisposable
{
    /// <summary>Mode of a lock file this creates (0644).</summary>
    private const uint DefaultMode = 0x1a4;

    // flock has no descriptor to poll. A holder releases the lock by closing the file (ours and mdadm's do; the kernel
    // does it for a holder that dies), and inotify reports every close of the file: so a waiter watches the locked inode
    // for IN_CLOSE and retries LOCK_NB at each close. A holder that unlocks without closing (LOCK_UN) sends no event:
    // for it the waiter also retries every RetryWithoutEvent, which bounds how late such a release is noticed.
    private static readonly TimeSpan RetryWithoutEvent = TimeSpan.FromSeconds(1);

    private readonly SafeFdHandle _fd;

    private FileLock(SafeFdHandle fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    internal string Path { get; }

    /// <summary>
    /// True when the lock file was unlinked while or after we locked it: the lock then protects nothing that a
    /// new opener of the path would see (mdadm's map.lock protocol: the holder unlinks it before it closes it).
    /// </summary>
    internal bool IsUnlinked => Fd.Fstatx(_fd, Path).stx_nlink == 0;

    /// <summary>
    /// Opens (creating it and its directory if needed) and locks <paramref name="path"/>, waiting for other holders
    /// up to <paramref name="timeout"/> (<see cref="TimeSpan.Zero"/>: one attempt; <see cref="Timeout.InfiniteTimeSpan"/>:
    /// until cancelled).
    /// </summary>
    /// <exception cref="NvmeNativeTimeoutException">Another holder kept it past the timeout; the message names the holding process when /proc/locks shows it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired while waiting.</exception>
    internal static FileLock Acquire(string path, TimeSpan timeout, CancellationToken ct, uint createMode = DefaultMode) =>
        AsyncMode.Completed(AcquireAsync(path, timeout, async: false, ct, createMode));

    /// <summary>
    /// As <see cref="Acquire"/>; with <paramref name="async"/> the wait for the holder's close is awaited (no thread is
    /// blocked), without it the calling thread waits in poll(2).
    /// </summary>
    internal static async ValueTask<FileLock> AcquireAsync(string path, TimeSpan timeout, bool async, CancellationToken ct,
        uint createMode = DefaultMode)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a timeout must not be negative");
        ct.ThrowIfCancellationRequested();
        long start = Stopwatch.GetTimestamp();
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NvmeNativeException($"cannot create the lock's directory: {e.Message}", "lock", path, innerException: e);
        }
        // Never through a symlink: a lock file is ours, and a planted link would make us create or lock another file.
        var fd = Fd.Open(path, Interop.Fcntl.O_RDWR | Interop.Fcntl.O_CREAT | Interop.FcntlArch.O_NOFOLLOW, createMode);
        SafeFdHandle? closes = null;
        try
        {
            while (!Fd.TryLockExclusive(fd, path))
            {
                if (closes is null)
                {
                    // Watch before the next attempt, so a close between that attempt and the wait is not missed.
                    closes = Fd.WatchCloses(fd, path);
                    continue;
                }
                TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? RetryWithoutEvent : timeout - Stopwatch.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                    throw new NvmeNativeTimeoutException($"the lock on {path}", DescribeHolder(fd, path), timeout, path);
                TimeSpan wait = left < RetryWithoutEvent ? left : RetryWithoutEvent;
                if (async)
                    await FdReadiness.WaitAsync([closes], Interop.Poll.POLLIN, wait, ct).ConfigureAwait(false);
                else
                    CancellablePoll.Wait(closes, Interop.Poll.POLLIN, wait, ct, path);
                Fd.DrainNonBlocking(closes, path);
            }
            return new FileLock(fd, path);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        finally
        {
            closes?.Dispose();
        }
    }

    // Closing the descriptor releases the flock.
    public void Dispose() => _fd.Dispose();

    /// <summary>Who holds the lock, from /proc/locks (best effort: the timeout is the error, this only explains it).</summary>
    private static string DescribeHolder(SafeFdHandle fd, string path)
    {
        try
        {
            var st = Fd.Fstatx(fd, path);
            // /proc/locks: "1: FLOCK  ADVISORY  WRITE 1234 fd:01:56789 0 EOF" (device numbers in hex, inode in decimal).
            string file = string.Create(CultureInfo.InvariantCulture, $"{st.stx_dev_major:x2}:{st.stx_dev_minor:x2}:{st.stx_ino}");
            foreach (string line in File.ReadLines(System.IO.Path.Combine(KernelPaths.Host.Proc, "locks")))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 6 || fields[1] != "FLOCK" || fields[5] != file)
                    continue;
                string pid = fields[4];
                string? command = SysfsFile.TryRead(System.IO.Path.Combine(KernelPaths.Host.Proc, pid, "comm"));
                return command is null ? $"held by pid {pid}" : $"held by pid {pid} ({command})";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NvmeNativeException)
        {
            // fall through to the generic description
        }
        return "held by another process";
    }
}
