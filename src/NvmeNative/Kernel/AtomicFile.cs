using NvmeNative.Errors;

namespace NvmeNative.Kernel;

#pragma warning disable CA1416 // Unix file modes: this library only runs on Linux

/// <summary>
/// Publishes small files so that readers see either nothing (or the old file) or the whole new content: the
/// content is written and fsynced under a temporary name in the same directory, then moved into place.
/// </summary>
internal static unsafe class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/> unless it exists: link(2) of the finished temporary file fails with EEXIST
    /// when another writer (another process too) got there first, so nobody overwrites anybody. Creates the
    /// parent directory with <paramref name="directoryMode"/> when missing.
    /// </summary>
    /// <returns>True when this call created the file; false when it already existed (read it back).</returns>
    internal static bool TryCreate(string path, ReadOnlySpan<byte> content, UnixFileMode fileMode, UnixFileMode directoryMode) =>
        Publish(path, content, fileMode, directoryMode, replace: false);

    /// <summary>Replaces <paramref name="path"/> atomically (rename(2) of the finished temporary file).</summary>
    internal static void Replace(string path, ReadOnlySpan<byte> content, UnixFileMode fileMode, UnixFileMode directoryMode) =>
        Publish(path, content, fileMode, directoryMode, replace: true);

    private static bool Publish(string path, ReadOnlySpan<byte> content, UnixFileMode fileMode, UnixFileMode directoryMode, bool replace)
    {
        string directory = Path.GetDirectoryName(path) ?? throw new ArgumentException("no directory in " + path, nameof(path));
        Directory.CreateDirectory(directory, directoryMode);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = fileMode,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, fileMode); // exact mode, whatever the umask
            bool created;
            if (replace)
            {
                File.Move(temp, path, overwrite: true); // rename(2)
                created = true;
            }
            else
            {
                created = Link(temp, path);
            }
            SyncDirectory(directory);
            return created;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static bool Link(string from, string to)
    {
        Span<byte> a = stackalloc byte[Utf8Path.MaxBytes(from)];
        Span<byte> b = stackalloc byte[Utf8Path.MaxBytes(to)];
        Span<byte> fromZ = Utf8Path.Encode(from, a), toZ = Utf8Path.Encode(to, b);
        fixed (byte* pa = fromZ)
        fixed (byte* pb = toZ)
        {
            if (Interop.Libc.link(pa, pb) == 0)
                return true;
            int errno = Syscall.LastErrno;
            return errno == (int)Errno.EEXIST ? false : throw Syscall.Error(errno, "link " + from, to);
        }
    }

    private static void SyncDirectory(string directory)
    {
        using var fd = Fd.Open(directory, Interop.Fcntl.O_RDONLY);
        Fd.Fsync(fd, directory);
    }
}
