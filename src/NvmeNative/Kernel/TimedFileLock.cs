using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// An exclusive flock on a lock file in a private directory, taken within a deadline and cancellable, held until
/// disposed (the kernel drops it if the process dies). flock(2) has no timed form and no descriptor to poll, so
/// the wait retries LOCK_NB with a short, growing pause: the holders this serialises keep the lock for one small
/// read-modify-write, so the pause is brief and the deadline bounds it.
/// </summary>
internal sealed class TimedFileLock : IDisposable
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(50);
    private const uint FileMode0600 = 0x180;

    private readonly SafeFdHandle _fd;

    private TimedFileLock(SafeFdHandle fd) => _fd = fd;

    /// <summary>Takes the lock on <paramref name="path"/> (created 0600, never through a symlink).</summary>
    /// <exception cref="NvmeNativeTimeoutException">Another holder kept it past <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    internal static TimedFileLock Acquire(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var fd = Fd.Open(path, Fcntl.O_RDWR | Fcntl.O_CREAT | FcntlArch.O_NOFOLLOW, FileMode0600);
        try
        {
            var clock = Stopwatch.StartNew();
            var pause = FirstPause;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Libc.flock(fd, SysFile.LOCK_EX | SysFile.LOCK_NB) == 0)
                    return new TimedFileLock(fd);
                int errno = Syscall.LastErrno;
                if (errno == (int)Errno.EINTR)
                    continue;
                if (errno != (int)Errno.EAGAIN)
                    throw Syscall.Error(errno, "flock LOCK_EX|LOCK_NB", path);
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                    throw new NvmeNativeTimeoutException("the lock " + path, "another process holds it", timeout, path);
                // The wait handle wakes us at once on cancellation; otherwise this is the retry pause.
                cancellationToken.WaitHandle.WaitOne(pause < left ? pause : left);
                pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
            }
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    // Closing the descriptor releases the flock.
    public void Dispose() => _fd.Dispose();
}
