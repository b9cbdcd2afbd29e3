using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// Small files in a private directory (<see cref="SecureDirectory"/>) that survive a crash at any point and are
/// never reached through a symlink: a replacement is written to a temporary file created with O_CREAT|O_EXCL|
/// O_NOFOLLOW (0600), fsynced, renamed over the old name and the directory fsynced, so a reader sees the old
/// file or the new one whole; reads open with O_NOFOLLOW and accept regular files only.
/// </summary>
/// <remarks>
/// Callers serialise writers (a lock file); temporaries left behind by a writer that died are removed by the
/// next writer with <see cref="RemoveTemporaries"/>. Unlike <see cref="AtomicFile"/> nothing here follows a
/// symlink or changes a directory's mode.
/// </remarks>
internal static class DurableFile
{
    internal const string TempSuffix = ".tmp";
    private const uint FileMode0600 = 0x180;

    /// <summary>
    /// The file's content, or null when it does not exist. <paramref name="maxBytes"/> bounds what is read: a
    /// larger file is an error (these files are small; a huge one is not ours).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most it may hold.</param>
    /// <param name="followSymlink">Follow a symlink in the last component (for files an administrator places, such as
    /// /etc/nvme/hostnqn); state files of our own never are.</param>
    /// <exception cref="NvmeNativeException">A symlink (unless followed), not a regular file (a FIFO is never waited
    /// on), too large, or an I/O error.</exception>
    internal static byte[]? Read(string path, int maxBytes, bool followSymlink = false)
    {
        int flags = Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | (followSymlink ? 0 : FcntlArch.O_NOFOLLOW);
        var fd = Fd.TryOpen(path, flags, out int errno);
        if (fd is null)
        {
            if (errno is (int)Errno.ENOENT or (int)Errno.ENOTDIR)
                return null;
            if (errno == (int)Errno.ELOOP)
                throw new NvmeNativeException("it is a symlink, which is never followed here", "read state file", path);
            throw Syscall.Error(errno, "open", path);
        }
        using (fd)
        {
            var st = Fd.Fstatx(fd, path);
            if ((st.stx_mode & Stat.S_IFMT) != Stat.S_IFREG)
                throw new NvmeNativeException("it is not a regular file", "read state file", path);
            if (st.stx_size > (ulong)maxBytes)
                throw new NvmeNativeException($"it has {st.stx_size} bytes, more than the {maxBytes} a state file may have", "read state file", path);
            var buffer = new byte[(int)st.stx_size + 1]; // one spare byte tells a file that grew meanwhile
            int total = 0;
            while (total < buffer.Length)
            {
                int n = Fd.Read(fd, buffer.AsSpan(total), path);
                if (n == 0)
                    break;
                total += n;
            }
            if (total > maxBytes)
                throw new NvmeNativeException($"it has more than the {maxBytes} bytes a state file may have", "read state file", path);
            return buffer[..total];
        }
    }

    /// <summary>
    /// Replaces (or creates) <paramref name="directory"/>/<paramref name="fileName"/> with
    /// <paramref name="content"/>, durably: temp file, write, fsync, rename, fsync of the directory.
    /// </summary>
    /// <param name="directory">A verified private directory.</param>
    /// <param name="fileName">A plain file name (no separators).</param>
    /// <param name="content">The whole new content.</param>
    /// <param name="step">Called at each <see cref="DurableWriteStep"/>; a test seam (it may throw to simulate a crash).</param>
    internal static void Replace(string directory, string fileName, ReadOnlySpan<byte> content, Action<DurableWriteStep>? step = null)
    {
        CheckFileName(fileName);
        string path = Path.Combine(directory, fileName);
        string temp = Path.Combine(directory, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
        step?.Invoke(DurableWriteStep.BeforeTempCreate);
        bool published = false;
        try
        {
            using (var fd = Fd.Open(temp, Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_EXCL | FcntlArch.O_NOFOLLOW, FileMode0600))
            {
                step?.Invoke(DurableWriteStep.AfterTempCreate);
                if (step is not null)
                {
                    Fd.WriteAll(fd, content[..(content.Length / 2)], temp);
                    step(DurableWriteStep.AfterPartialWrite);
                    Fd.WriteAll(fd, content[(content.Length / 2)..], temp);
                }
                else
                {
                    Fd.WriteAll(fd, content, temp);
                }
                step?.Invoke(DurableWriteStep.AfterTempWrite);
                Fd.Fsync(fd, temp);
                step?.Invoke(DurableWriteStep.AfterTempFsync);
            }
            Rename(temp, path);
            published = true;
            step?.Invoke(DurableWriteStep.AfterRename);
            SyncDirectory(directory);
            step?.Invoke(DurableWriteStep.AfterDirectoryFsync);
        }
        finally
        {
            if (!published)
                _ = PathOps.TryUnlink(temp); // best effort: a leftover is removed by the next writer
        }
    }

    /// <summary>Removes <paramref name="directory"/>/<paramref name="fileName"/> durably; false when it did not exist.</summary>
    internal static bool Remove(string directory, string fileName)
    {
        CheckFileName(fileName);
        string path = Path.Combine(directory, fileName);
        int errno = PathOps.TryUnlink(path);
        if (errno == (int)Errno.ENOENT)
            return false;
        if (errno != 0)
            throw Syscall.Error(errno, "unlink", path);
        SyncDirectory(directory);
        return true;
    }

    /// <summary>
    /// Removes the temporaries that writers which died left in <paramref name="directory"/>. Only call it while
    /// holding the writers' lock: then no temporary belongs to a live writer.
    /// </summary>
    internal static int RemoveTemporaries(string directory)
    {
        int removed = 0;
        foreach (string temp in Directory.EnumerateFiles(directory, "." + "*" + TempSuffix))
        {
            if (PathOps.TryUnlink(temp) == 0)
                removed++;
        }
        return removed;
    }

    internal static void SyncDirectory(string directory)
    {
        using var fd = Fd.Open(directory, Fcntl.O_RDONLY | FcntlArch.O_DIRECTORY);
        Fd.Fsync(fd, directory);
    }

    private static void CheckFileName(string fileName)
    {
        if (fileName.Length == 0 || fileName is "." or ".." || fileName.Contains('/') || fileName.Contains('\0'))
            throw new ArgumentException($"'{fileName}' is not a plain file name", nameof(fileName));
    }

    private static void Rename(string from, string to)
    {
        int errno = PathOps.TryRename(from, to);
        if (errno != 0)
            throw Syscall.Error(errno, "rename " + from, to);
    }
}
