namespace NvmeNative.Kernel;

#pragma warning disable CA1416 // Unix file modes: this library only runs on Linux

/// <summary>
/// Publishes a small file so that readers see either nothing or the whole content, and concurrent publishers
/// (other processes too) cannot overwrite each other: the content is written and fsynced under a temporary
/// name, then link(2)ed to the final name, which fails with EEXIST when someone else got there first.
/// </summary>
internal static unsafe class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="content"/> unless a non-empty file is already there
    /// (an empty one is replaced by rename). The caller should read the file back: it holds either this content
    /// or the winner's. Creates the parent directory with <paramref name="directoryMode"/> when missing.
    /// </summary>
    /// <returns>True when this call's content was put in place.</returns>
    internal static bool Publish(string path, ReadOnlySpan<byte> content, UnixFileMode fileMode, UnixFileMode directoryMode)
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
            bool published = Link(temp, path);
            if (!published && new FileInfo(path).Length == 0)
            {
                File.Move(temp, path, overwrite: true); // rename(2): an empty file holds no identity worth keeping
                published = true;
            }
            SyncDirectory(directory);
            return published;
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
