using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// An exclusive advisory lock on a file (flock), held until disposed. Used for the per-host attach lock,
/// the C# counterpart of os-brick's oslo file lock, so that attach and detach in different processes
/// (an agent and an operator's CLI, say) never interleave. The kernel drops the lock if the process dies.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly SafeFdHandle _fd;

    private FileLock(SafeFdHandle fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    internal string Path { get; }

    /// <summary>
    /// Blocks until the lock is held. flock has no timeout or cancellation; callers serialise their own
    /// threads first (with a cancellable semaphore), so this only waits for other processes.
    /// </summary>
    internal static FileLock Acquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var fd = Fd.Open(path, Interop.Fcntl.O_RDWR | Interop.Fcntl.O_CREAT, 0x1a4 /* 0644 */);
        try
        {
            while (Interop.Libc.flock(fd, Interop.SysFile.LOCK_EX) < 0)
            {
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                    throw Syscall.Error(errno, "flock LOCK_EX", path);
            }
            return new FileLock(fd, path);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Takes the lock only if it is free right now; null when another holder has it.</summary>
    internal static FileLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var fd = Fd.Open(path, Interop.Fcntl.O_RDWR | Interop.Fcntl.O_CREAT, 0x1a4);
        while (Interop.Libc.flock(fd, Interop.SysFile.LOCK_EX | Interop.SysFile.LOCK_NB) < 0)
        {
            int errno = Syscall.LastErrno;
            if (errno == (int)Errno.EINTR)
                continue;
            fd.Dispose();
            if (errno == (int)Errno.EAGAIN)
                return null;
            throw Syscall.Error(errno, "flock LOCK_EX|LOCK_NB", path);
        }
        return new FileLock(fd, path);
    }

    // Closing the descriptor releases the flock.
    public void Dispose() => _fd.Dispose();
}
