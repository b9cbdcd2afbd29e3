using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Target;

/// <summary>Sparse files that back file namespaces: created at a size, grown for extend tests, deleted.</summary>
internal static class BackingFile
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <paramref name="path"/> as a sparse file of <paramref name="bytes"/> (O_CREAT|O_EXCL, then
    /// ftruncate). Returns false, touching nothing, when the file already exists.
    /// </summary>
    internal static bool CreateIfMissing(string path, long bytes)
    {
        using var fd = Fd.TryOpen(path, Interop.Fcntl.O_WRONLY | Interop.Fcntl.O_CREAT | Interop.Fcntl.O_EXCL, out int errno, (uint)Mode);
        if (fd is null)
            return errno == (int)Errno.EEXIST ? false : throw NvmeNative.Errors.Syscall.Error(errno, "create backing file", path);
        try
        {
            PathOps.Truncate(fd, bytes, path);
        }
        catch
        {
            PathOps.TryUnlink(path);
            throw;
        }
        return true;
    }

    /// <summary>Grows the file to <paramref name="bytes"/> (new space is a hole).</summary>
    internal static void Grow(string path, long bytes)
    {
        using var fd = Fd.Open(path, Interop.Fcntl.O_WRONLY);
        PathOps.Truncate(fd, bytes, path);
    }

    /// <summary>The file's size in bytes.</summary>
    internal static long Size(string path) => Fd.FileSizeBytes(path);

    /// <summary>Deletes the file; 0, or the errno (ENOENT when it is already gone).</summary>
    internal static int TryDelete(string path) => PathOps.TryUnlink(path);
}
