using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

#pragma warning disable CA1416 // Unix file modes: this library only runs on Linux

/// <summary>
/// A directory that only its owner may change, for state that decides what data a host serves (replica-state
/// records): created 0700, and refused when it is a symlink, owned by another user, or writable by group or
/// others, because whoever can write there can make a stale replica look current.
/// </summary>
internal static class SecureDirectory
{
    private const uint GroupOrOtherWrite = 0x12; // S_IWGRP | S_IWOTH

    /// <summary>
    /// Creates <paramref name="path"/> with mode 0700 when missing (missing parents 0755), then verifies it
    /// (<see cref="Verify"/>). An existing directory keeps its mode; it must already be safe.
    /// </summary>
    /// <exception cref="NvmeNativeException">It cannot be created, or it exists and is not safe.</exception>
    internal static void EnsurePrivate(string path)
    {
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        if (parent is not null && !Directory.Exists(parent))
        {
            try
            {
                Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                    UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new NvmeNativeException("cannot create the parent directory: " + e.Message, "create state directory", parent, innerException: e);
            }
        }
        int errno = PathOps.TryMakeDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (errno != 0 && errno != (int)Errno.EEXIST)
            throw Syscall.Error(errno, "mkdir", full);
        Verify(full);
    }

    /// <summary>Checks that <paramref name="path"/> is a real directory (not a symlink), owned by this user, not group- or world-writable.</summary>
    /// <exception cref="NvmeNativeException">It is missing or not safe; the message says which check failed.</exception>
    internal static void Verify(string path)
    {
        const string op = "check state directory";
        var fd = Fd.TryOpen(path, Fcntl.O_RDONLY | FcntlArch.O_DIRECTORY | FcntlArch.O_NOFOLLOW, out int errno);
        if (fd is null)
        {
            // O_NOFOLLOW|O_DIRECTORY on a symlink fails with ELOOP or ENOTDIR (the link itself is no directory).
            if (errno == (int)Errno.ELOOP || errno == (int)Errno.ENOTDIR && new FileInfo(path).LinkTarget is not null)
                throw new NvmeNativeException("it is a symlink; the state directory must be a real directory", op, path);
            if (errno == (int)Errno.ENOTDIR)
                throw new NvmeNativeException("it is not a directory", op, path);
            throw Syscall.Error(errno, "open directory", path);
        }
        using (fd)
        {
            var st = Fd.Fstatx(fd, path);
            uint euid = Libc.geteuid();
            if (st.stx_uid != euid)
                throw new NvmeNativeException($"it is owned by uid {st.stx_uid}, not by uid {euid} that runs this process; fix its owner or use another directory", op, path);
            if ((st.stx_mode & GroupOrOtherWrite) != 0)
                throw new NvmeNativeException($"its mode is {Convert.ToString(st.stx_mode & 0xfff, 8)}: group or others may write to it; chmod go-w it (0700 expected)", op, path);
        }
    }
}
