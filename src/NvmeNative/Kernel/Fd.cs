using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// Typed, errno-checked file descriptor operations over the raw Interop layer.
/// EINTR policy: every call here is retried while it fails with EINTR (no native shim does it for us);
/// close is never retried (see <see cref="SafeFdHandle"/>). Every other failure goes through
/// <see cref="Syscall"/> and becomes an <see cref="NvmeNativeException"/> naming the operation and path, except in
/// the Try* forms, which return the errno for callers to whom it is an answer (ENOENT: gone; EINVAL from
/// /dev/nvme-fabrics: an option the kernel does not know). Each system call's retry loop is written once, in a Try* form.
/// </summary>
internal static unsafe class Fd
{
    private const int StackPathLimit = 1024;

    /// <summary>open(2) with O_CLOEXEC always added.</summary>
    internal static SafeFdHandle Open(string path, int flags, uint mode = 0)
    {
        var handle = TryOpen(path, flags, out int errno, mode);
        return handle ?? throw Syscall.Error(errno, "open", path);
    }

    /// <summary>open(2) that reports errno instead of throwing (for ENOENT-is-normal cases).</summary>
    internal static SafeFdHandle? TryOpen(string path, int flags, out int errno, uint mode = 0)
    {
        int max = Utf8Path.MaxBytes(path);
        Span<byte> buffer = max <= StackPathLimit ? stackalloc byte[max] : new byte[max];
        Span<byte> encoded = Utf8Path.Encode(path, buffer);
        fixed (byte* p = encoded)
        {
            while (true)
            {
                SafeFdHandle fd = Interop.Libc.open(p, flags | Interop.Fcntl.O_CLOEXEC, mode);
                if (!fd.IsInvalid)
                {
                    errno = 0;
                    return fd;
                }
                errno = Syscall.LastErrno;
                fd.Dispose();
                if (errno != (int)Errno.EINTR)
                    return null;
            }
        }
    }

    /// <summary>One read(2); returns the bytes read (0 at end of file).</summary>
    internal static int Read(SafeFdHandle fd, Span<byte> buffer, string path)
    {
        int errno = TryRead(fd, buffer, out int read);
        return errno == 0 ? read : throw Syscall.Error(errno, "read", path);
    }

    /// <summary>One read(2) that reports errno instead of throwing: 0 and the bytes read (0 at end of file), or the errno.</summary>
    internal static int TryRead(SafeFdHandle fd, Span<byte> buffer, out int read)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Interop.Libc.read(fd, p, (nuint)buffer.Length);
                if (n >= 0)
                {
                    read = (int)n;
                    return 0;
                }
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                {
                    read = 0;
                    return errno;
                }
            }
        }
    }

    /// <summary>
    /// read(2) until the buffer is full or end of file, reporting errno instead of throwing: 0 and the bytes read,
    /// or the errno of the read that failed (with what came before it in <paramref name="read"/>).
    /// </summary>
    internal static int TryReadToEnd(SafeFdHandle fd, Span<byte> buffer, out int read)
    {
        read = 0;
        while (read < buffer.Length)
        {
            int errno = TryRead(fd, buffer[read..], out int n);
            if (errno != 0)
                return errno;
            if (n == 0)
                break;
            read += n;
        }
        return 0;
    }

    /// <summary>Writes all of <paramref name="data"/> to a regular file, one write(2) after another until done.</summary>
    internal static void WriteAll(SafeFdHandle fd, ReadOnlySpan<byte> data, string path)
    {
        while (!data.IsEmpty)
            data = data[Write(fd, data, path)..];
    }

    /// <summary>One write(2); returns the bytes written.</summary>
    internal static int Write(SafeFdHandle fd, ReadOnlySpan<byte> data, string path)
    {
        int errno = TryWrite(fd, data, out int written);
        return errno == 0 ? written : throw Syscall.Error(errno, "write", path);
    }

    /// <summary>
    /// One write(2) that reports errno instead of throwing: 0 and the bytes written, or the errno. For kernel
    /// interfaces that take a whole value in one call (sysfs stores, /dev/nvme-fabrics), where the errno itself
    /// carries the answer. An EINTR is retried: it means the call did nothing.
    /// </summary>
    internal static int TryWrite(SafeFdHandle fd, ReadOnlySpan<byte> data, out int written)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                nint n = Interop.Libc.write(fd, p, (nuint)data.Length);
                if (n >= 0)
                {
                    written = (int)n;
                    return 0;
                }
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                {
                    written = 0;
                    return errno;
                }
            }
        }
    }

    /// <summary>pread(2) until the buffer is full or end of file; returns bytes read.</summary>
    internal static int PRead(SafeFdHandle fd, Span<byte> buffer, long offset, string path)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = Interop.Libc.pread(fd, p + total, (nuint)(buffer.Length - total), offset + total);
                if (n == 0)
                    break;
                if (n < 0)
                {
                    int errno = Syscall.LastErrno;
                    if (errno == (int)Errno.EINTR)
                        continue;
                    throw Syscall.Error(errno, $"pread at {offset + total}", path);
                }
                total += (int)n;
            }
        }
        return total;
    }

    /// <summary>pwrite(2) of the whole buffer.</summary>
    internal static void PWrite(SafeFdHandle fd, ReadOnlySpan<byte> data, long offset, string path)
    {
        int total = 0;
        fixed (byte* p = data)
        {
            while (total < data.Length)
            {
                nint n = Interop.Libc.pwrite(fd, p + total, (nuint)(data.Length - total), offset + total);
                if (n < 0)
                {
                    int errno = Syscall.LastErrno;
                    if (errno == (int)Errno.EINTR)
                        continue;
                    throw Syscall.Error(errno, $"pwrite at {offset + total}", path);
                }
                total += (int)n;
            }
        }
    }

    internal static void Fsync(SafeFdHandle fd, string path)
    {
        while (Interop.Libc.fsync(fd) < 0)
        {
            int errno = Syscall.LastErrno;
            if (errno != (int)Errno.EINTR)
                throw Syscall.Error(errno, "fsync", path);
        }
    }

    /// <summary>
    /// flock(2) LOCK_EX|LOCK_NB: true when the exclusive lock is now held through <paramref name="fd"/>, false when
    /// another open file description holds it (EWOULDBLOCK). Never blocks; <see cref="FileLock"/> does the waiting.
    /// </summary>
    internal static bool TryLockExclusive(SafeFdHandle fd, string path)
    {
        while (Interop.Libc.flock(fd, Interop.SysFile.LOCK_EX | Interop.SysFile.LOCK_NB) < 0)
        {
            int errno = Syscall.LastErrno;
            if (errno == (int)Errno.EAGAIN)
                return false;
            if (errno != (int)Errno.EINTR)
                throw Syscall.Error(errno, "flock LOCK_EX|LOCK_NB", path);
        }
        return true;
    }

    /// <summary>
    /// An inotify descriptor (non-blocking) that becomes readable whenever the file open as <paramref name="fd"/> is
    /// closed by anyone. The watch is on the inode itself (through /proc/self/fd), not on a path that could be replaced.
    /// </summary>
    internal static SafeFdHandle WatchCloses(SafeFdHandle fd, string path)
    {
        var inotify = Interop.Libc.inotify_init1(Interop.Inotify.IN_NONBLOCK | Interop.Inotify.IN_CLOEXEC);
        if (inotify.IsInvalid)
        {
            int errno = Syscall.LastErrno;
            inotify.Dispose();
            throw Syscall.Error(errno, "inotify_init1", path);
        }
        try
        {
            string self = "/proc/self/fd/" + fd.RawFd.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Span<byte> buffer = stackalloc byte[Utf8Path.MaxBytes(self)];
            Span<byte> encoded = Utf8Path.Encode(self, buffer);
            fixed (byte* p = encoded)
            {
                if (Interop.Libc.inotify_add_watch(inotify, p, Interop.Inotify.IN_CLOSE_WRITE | Interop.Inotify.IN_CLOSE_NOWRITE) < 0)
                    throw Syscall.Error(Syscall.LastErrno, "inotify_add_watch IN_CLOSE", path);
            }
            return inotify;
        }
        catch
        {
            inotify.Dispose();
            throw;
        }
    }

    /// <summary>Reads and drops whatever a non-blocking descriptor (inotify, eventfd) has queued.</summary>
    internal static void DrainNonBlocking(SafeFdHandle fd, string path)
    {
        Span<byte> buffer = stackalloc byte[4096];
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Interop.Libc.read(fd, p, (nuint)buffer.Length);
                if (n > 0)
                    continue;
                if (n == 0)
                    return;
                int errno = Syscall.LastErrno;
                if (errno == (int)Errno.EINTR)
                    continue;
                if (errno == (int)Errno.EAGAIN)
                    return;
                throw Syscall.Error(errno, "read", path);
            }
        }
    }

    /// <summary>ioctl(2) with a typed argument struct; returns the ioctl's non-negative result.</summary>
    internal static int Ioctl<T>(SafeFdHandle fd, uint request, ref T arg, string name, string path) where T : unmanaged
    {
        int result = TryIoctl(fd, request, ref arg, out int errno);
        return result >= 0 ? result : throw Syscall.Error(errno, $"ioctl {name}", path);
    }

    /// <summary>ioctl(2) with a typed argument that reports errno instead of throwing.</summary>
    internal static int TryIoctl<T>(SafeFdHandle fd, uint request, ref T arg, out int errno) where T : unmanaged
    {
        fixed (T* p = &arg)
        {
            while (true)
            {
                int result = Interop.Libc.ioctl(fd, request, p);
                errno = result < 0 ? Syscall.LastErrno : 0;
                if (result >= 0 || errno != (int)Errno.EINTR)
                    return result;
            }
        }
    }

    /// <summary>ioctl(2) whose argument is a value (or unused), such as STOP_ARRAY or HOT_REMOVE_DISK.</summary>
    internal static int TryIoctlValue(SafeFdHandle fd, uint request, nuint value, out int errno)
    {
        while (true)
        {
            int result = Interop.Libc.ioctl_value(fd, request, value);
            errno = result < 0 ? Syscall.LastErrno : 0;
            if (result >= 0 || errno != (int)Errno.EINTR)
                return result;
        }
    }

    internal static int IoctlValue(SafeFdHandle fd, uint request, nuint value, string name, string path)
    {
        int result = TryIoctlValue(fd, request, value, out int errno);
        return result >= 0 ? result : throw Syscall.Error(errno, $"ioctl {name}", path);
    }

    /// <summary>The size of a file in bytes (statx STATX_SIZE; for a block device node, 0: ask BlockDevices.SizeBytes).</summary>
    internal static long FileSizeBytes(string path) => checked((long)Statx(path, Interop.Stat.STATX_SIZE).stx_size);

    /// <summary>statx(2) of a path (following symlinks).</summary>
    internal static Interop.Stat.statx Statx(string path, uint mask = Interop.Stat.STATX_BASIC_STATS)
    {
        int max = Utf8Path.MaxBytes(path);
        Span<byte> buffer = max <= StackPathLimit ? stackalloc byte[max] : new byte[max];
        Span<byte> encoded = Utf8Path.Encode(path, buffer);
        Interop.Stat.statx st = default;
        fixed (byte* p = encoded)
        {
            while (Interop.Libc.statx(Interop.Fcntl.AT_FDCWD, p, 0, mask, &st) < 0)
            {
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                    throw Syscall.Error(errno, "statx", path);
            }
        }
        return st;
    }

    /// <summary>statx(2) of the descriptor itself (AT_EMPTY_PATH), e.g. to see that a lock file was unlinked.</summary>
    internal static Interop.Stat.statx Fstatx(SafeFdHandle fd, string path, uint mask = Interop.Stat.STATX_BASIC_STATS)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            Interop.Stat.statx st = default;
            byte empty = 0;
            while (Interop.Libc.statx(fd.RawFd, &empty, Interop.Fcntl.AT_EMPTY_PATH, mask, &st) < 0)
            {
                int errno = Syscall.LastErrno;
                if (errno != (int)Errno.EINTR)
                    throw Syscall.Error(errno, "fstatx", path);
            }
            return st;
        }
        finally
        {
            if (added)
                fd.DangerousRelease();
        }
    }
}
