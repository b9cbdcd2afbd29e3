using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// mkdir/rmdir/symlink/unlink/ftruncate as single system calls that report errno. configfs gives these
/// calls meaning (mkdir creates a kernel object, rmdir destroys it, a symlink associates two objects), so
/// callers need the exact errno (EEXIST: someone else's object; ENOENT: already gone) that the BCL's
/// Directory/File helpers turn into generic exceptions or hide (CreateDirectory succeeds on EEXIST).
/// Each Try* returns 0 on success or the errno; EINTR is retried.
/// </summary>
internal static unsafe class PathOps
{
    private const int StackPathLimit = 1024;

    /// <summary>mkdir(2); returns 0 or errno.</summary>
    internal static int TryMakeDirectory(string path, UnixFileMode mode)
    {
        Span<byte> buffer = Buffer(path, stackalloc byte[StackPathLimit]);
        fixed (byte* p = Utf8Path.Encode(path, buffer))
            while (true)
                if (Errno(Interop.Libc.mkdir(p, (uint)mode)) is var e && e != EintrRetry)
                    return e;
    }

    /// <summary>rmdir(2) (never recursive); returns 0 or errno.</summary>
    internal static int TryRemoveDirectory(string path)
    {
        Span<byte> buffer = Buffer(path, stackalloc byte[StackPathLimit]);
        fixed (byte* p = Utf8Path.Encode(path, buffer))
            while (true)
                if (Errno(Interop.Libc.rmdir(p)) is var e && e != EintrRetry)
                    return e;
    }

    /// <summary>symlink(2): creates <paramref name="linkPath"/> pointing at <paramref name="target"/>; returns 0 or errno.</summary>
    internal static int TrySymlink(string target, string linkPath)
    {
        Span<byte> targetBuffer = Buffer(target, stackalloc byte[StackPathLimit]);
        Span<byte> linkBuffer = Buffer(linkPath, stackalloc byte[StackPathLimit]);
        fixed (byte* t = Utf8Path.Encode(target, targetBuffer))
        fixed (byte* l = Utf8Path.Encode(linkPath, linkBuffer))
            while (true)
                if (Errno(Interop.Libc.symlink(t, l)) is var e && e != EintrRetry)
                    return e;
    }

    /// <summary>
    /// rename(2): moves <paramref name="from"/> to <paramref name="to"/>, atomically replacing what <paramref name="to"/>
    /// names (a file or a link; a symlink itself is moved, never followed); returns 0 or errno.
    /// </summary>
    internal static int TryRename(string from, string to)
    {
        Span<byte> fromBuffer = Buffer(from, stackalloc byte[StackPathLimit]);
        Span<byte> toBuffer = Buffer(to, stackalloc byte[StackPathLimit]);
        fixed (byte* f = Utf8Path.Encode(from, fromBuffer))
        fixed (byte* t = Utf8Path.Encode(to, toBuffer))
            while (true)
                if (Errno(Interop.Libc.rename(f, t)) is var e && e != EintrRetry)
                    return e;
    }

    /// <summary>unlink(2); returns 0 or errno.</summary>
    internal static int TryUnlink(string path)
    {
        Span<byte> buffer = Buffer(path, stackalloc byte[StackPathLimit]);
        fixed (byte* p = Utf8Path.Encode(path, buffer))
            while (true)
                if (Errno(Interop.Libc.unlink(p)) is var e && e != EintrRetry)
                    return e;
    }

    /// <summary>ftruncate(2): sets the file's size (growing leaves a hole: a sparse file).</summary>
    internal static void Truncate(SafeFdHandle fd, long length, string path)
    {
        while (true)
        {
            int errno = Errno(Interop.Libc.ftruncate(fd, length));
            if (errno == 0)
                return;
            if (errno != EintrRetry)
                throw Syscall.Error(errno, $"ftruncate to {length} bytes", path);
        }
    }

    private static Span<byte> Buffer(string path, Span<byte> stack)
    {
        int max = Utf8Path.MaxBytes(path);
        return max <= stack.Length ? stack : new byte[max];
    }

    private const int EintrRetry = (int)NvmeNative.Errors.Errno.EINTR;

    // 0 for success, else errno read right after the call (before anything can overwrite it).
    private static int Errno(int result) => result == 0 ? 0 : Syscall.LastErrno;
}
