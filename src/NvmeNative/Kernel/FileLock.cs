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

    // flock has no descriptor to poll and no event to wait on, and a blocking flock can be neither bounded
    // nor cancelled (a signal is the only way out). So the wait is a non-blocking flock retried on a short
    // doubling backoff: a freed lock is taken within LongestRetry, and each pause ends at once on cancellation.
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMilliseconds(50);

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
    internal static FileLock Acquire(string path, TimeSpan timeout, CancellationToken ct, uint createMode = DefaultMode)
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
        try
        {
            TimeSpan pause = FirstRetry;
            while (!Fd.TryLockExclusive(fd, path))
            {
                TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? LongestRetry : timeout - Stopwatch.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                    throw new NvmeNativeTimeoutException($"the lock on {path}", DescribeHolder(fd, path), timeout, path);
                ct.WaitHandle.WaitOne(pause < left ? pause : left);
                ct.ThrowIfCancellationRequested();
                pause = pause * 2 < LongestRetry ? pause * 2 : LongestRetry;
            }
            return new FileLock(fd, path);
        }
        catch
        {
            fd.Dispose();
            throw;
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
