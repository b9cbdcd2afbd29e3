using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// A member block device held open with O_EXCL: while we hold it nobody can mount it, add it to another array or
/// claim it in any other way, and an attempt to claim a device that is already in use fails with EBUSY before we
/// write anything. Everything here is checked without changing the device.
/// </summary>
internal sealed class MemberClaim : IDisposable
{
    private MemberClaim(SafeFdHandle fd, BlockDevice device)
    {
        Fd = fd;
        Device = device;
    }

    internal SafeFdHandle Fd { get; }

    internal BlockDevice Device { get; }

    /// <summary>
    /// Checks that <paramref name="path"/> is a block device and claims it (O_RDWR|O_EXCL, or O_RDONLY|O_EXCL with
    /// <paramref name="writable"/> false). Throws <see cref="InvalidInputException"/> for a missing path, a path that
    /// is not a block device or one that is in use.
    /// </summary>
    internal static MemberClaim Claim(MdPaths paths, string path, string operation, bool writable = true)
    {
        var (major, minor) = RequireBlockDevice(path, operation);
        int flags = (writable ? Interop.Fcntl.O_RDWR : Interop.Fcntl.O_RDONLY) | Interop.Fcntl.O_EXCL;
        var fd = Kernel.Fd.TryOpen(path, flags, out int errno);
        if (fd is null)
            throw errno == (int)Errno.EBUSY
                ? new InvalidInputException("the device is in use (mounted, part of a running array, or held open exclusively)",
                    operation, "member", path, errno: errno)
                : new MdException("cannot open the member", operation, member: path, errno: errno);
        try
        {
            if (BlockDevices.DeviceNumberOf(fd, path) != (major, minor))
                throw new InvalidInputException("the device changed while it was being opened", operation, "member", path);
            return new MemberClaim(fd, Describe(paths, fd, path, major, minor, operation));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary><see cref="BlockDevices.RequireBlockDevice"/> for a member: the same check, its error keyed to the member.</summary>
    internal static (uint Major, uint Minor) RequireBlockDevice(string path, string operation)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0'))
            throw new InvalidInputException(path is null ? "no member path given" : "the member path is empty or contains a NUL",
                operation, "member", path);
        try
        {
            return BlockDevices.RequireBlockDevice(path, operation);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException(e.Reason, operation, "member", path, e, e.ErrnoValue);
        }
    }

    /// <summary>Size, block size and kernel name of an open block device.</summary>
    internal static BlockDevice Describe(MdPaths paths, SafeFdHandle fd, string path, uint major, uint minor, string operation)
    {
        long size = BlockDevices.SizeBytes(fd, path);
        int blockSize = BlockDevices.LogicalBlockSize(fd, path);
        return new BlockDevice(path, major, minor, KernelName(paths, major, minor, path, operation), size, blockSize);
    }

    /// <summary>The kernel name of a device number: the last component of the /sys/dev/block/MAJ:MIN link.</summary>
    internal static string KernelName(MdPaths paths, uint major, uint minor, string path, string operation)
    {
        string link = paths.SysDevBlock(major, minor);
        string? target = new FileInfo(link).LinkTarget;
        return target is null
            ? throw new MdException($"{link} is missing: cannot find the kernel name of the member", operation, member: path,
                errno: (int)Errno.ENOENT)
            : System.IO.Path.GetFileName(target.TrimEnd('/'));
    }

    public void Dispose() => Fd.Dispose();
}
