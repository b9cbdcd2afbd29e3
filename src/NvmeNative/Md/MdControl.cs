using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// An open md device node and the md ioctls on it (linux/raid/md_u.h). Every failure becomes an
/// <see cref="MdException"/> naming the md device and, for per-member ioctls, the member.
/// </summary>
internal sealed class MdControl : IDisposable
{
    private readonly SafeFdHandle _fd;

    private MdControl(MdDeviceName device, string node, SafeFdHandle fd)
    {
        Device = device;
        Node = node;
        _fd = fd;
    }

    internal MdDeviceName Device { get; }

    /// <summary>/dev/mdN.</summary>
    internal string Node { get; }

    /// <summary>
    /// Opens the md node, O_RDWR|O_EXCL when <paramref name="exclusive"/> (as mdadm does for create, assemble and
    /// stop: no one else may have it open exclusively, and the kernel counts our descriptor as the one opener
    /// STOP_ARRAY allows), else O_RDONLY (enough for every ioctl). Null, with errno, when the node is gone.
    /// </summary>
    internal static MdControl? TryOpen(MdPaths paths, MdDeviceName device, bool exclusive, out int errno)
    {
        string node = paths.Node(device);
        int flags = exclusive ? Interop.Fcntl.O_RDWR | Interop.Fcntl.O_EXCL : Interop.Fcntl.O_RDONLY;
        var fd = Fd.TryOpen(node, flags, out errno);
        return fd is null ? null : new MdControl(device, node, fd);
    }

    internal static MdControl Open(MdPaths paths, MdDeviceName device, bool exclusive, string operation) =>
        TryOpen(paths, device, exclusive, out int errno) ??
        throw new MdException(errno == (int)Errno.EBUSY ? "the md device is in use" : "cannot open the md device",
            operation, paths.Node(device), errno: errno);

    /// <summary>GET_ARRAY_INFO, or null when the array is not configured (ENODEV: no raid_disks yet).</summary>
    internal Interop.MdU.mdu_array_info_t? GetArrayInfo()
    {
        var info = default(Interop.MdU.mdu_array_info_t);
        if (Fd.TryIoctl(_fd, Interop.MdU.GET_ARRAY_INFO, ref info, out int errno) >= 0)
            return info;
        return errno == (int)Errno.ENODEV ? null : throw Fail("GET_ARRAY_INFO failed", "ioctl GET_ARRAY_INFO", errno);
    }

    /// <summary>GET_DISK_INFO for a descriptor number (the member's dev_number); an unused number comes back with major = minor = 0.</summary>
    internal Interop.MdU.mdu_disk_info_t GetDiskInfo(int number)
    {
        var disk = new Interop.MdU.mdu_disk_info_t { number = number };
        return Fd.TryIoctl(_fd, Interop.MdU.GET_DISK_INFO, ref disk, out int errno) >= 0
            ? disk
            : throw Fail($"GET_DISK_INFO {number} failed", "ioctl GET_DISK_INFO", errno);
    }

    /// <summary>SET_ARRAY_INFO with only the superblock version (1.2): members are then loaded from their v1.2 superblocks.</summary>
    internal void SetArrayInfoVersion12()
    {
        var info = new Interop.MdU.mdu_array_info_t { major_version = 1, minor_version = 2 };
        if (Fd.TryIoctl(_fd, Interop.MdU.SET_ARRAY_INFO, ref info, out int errno) < 0)
            throw Fail(errno == (int)Errno.EBUSY ? "the md device is already configured" : "SET_ARRAY_INFO 1.2 failed",
                "ioctl SET_ARRAY_INFO", errno);
    }

    /// <summary>ADD_NEW_DISK: binds a member (before RUN_ARRAY) or hot-adds / re-adds one (running array).</summary>
    internal void AddNewDisk(Interop.MdU.mdu_disk_info_t disk, string member)
    {
        if (Fd.TryIoctl(_fd, Interop.MdU.ADD_NEW_DISK, ref disk, out int errno) < 0)
            throw Fail(errno switch
            {
                (int)Errno.EBUSY => "the member is in use or its slot is taken",
                (int)Errno.EINVAL => "the kernel refused the member (no valid v1.2 superblock, another array, or wrong role)",
                _ => "ADD_NEW_DISK failed",
            }, "ioctl ADD_NEW_DISK", errno, member);
    }

    /// <summary>RUN_ARRAY: starts the array from the bound members (the argument is ignored by the kernel).</summary>
    internal void RunArray()
    {
        var param = default(Interop.MdU.mdu_param_t);
        if (Fd.TryIoctl(_fd, Interop.MdU.RUN_ARRAY, ref param, out int errno) < 0)
            throw Fail("RUN_ARRAY failed (see the kernel log for md's reason)", "ioctl RUN_ARRAY", errno);
    }

    /// <summary>RESTART_ARRAY_RW after RUN_ARRAY, as mdadm does, to undo md_mod's start_ro; EBUSY means already writable.</summary>
    internal void RestartArrayRw()
    {
        if (Fd.TryIoctlValue(_fd, Interop.MdU.RESTART_ARRAY_RW, 0, out int errno) < 0 && errno != (int)Errno.EBUSY)
            throw Fail("RESTART_ARRAY_RW failed", "ioctl RESTART_ARRAY_RW", errno);
    }

    /// <summary>STOP_ARRAY; returns 0 or the errno (EBUSY while someone else has the array open).</summary>
    internal int TryStopArray() =>
        Fd.TryIoctlValue(_fd, Interop.MdU.STOP_ARRAY, 0, out int errno) < 0 ? errno : 0;

    /// <summary>SET_DISK_FAULTY: md_error() on the member; EBUSY when that would fail the last working leg.</summary>
    internal void SetDiskFaulty(uint major, uint minor, string member)
    {
        if (Fd.TryIoctlValue(_fd, Interop.MdU.SET_DISK_FAULTY, EncodeDev(major, minor), out int errno) < 0)
            throw Fail(errno == (int)Errno.EBUSY ? "refused: it is the last working member" : "SET_DISK_FAULTY failed",
                "ioctl SET_DISK_FAULTY", errno, member);
    }

    /// <summary>HOT_REMOVE_DISK: unbinds a faulty or spare member; EBUSY while it is still active.</summary>
    internal void HotRemoveDisk(uint major, uint minor, string member)
    {
        if (TryHotRemoveDisk(major, minor) is var errno && errno != 0)
            throw HotRemoveError(errno, member);
    }

    internal MdException HotRemoveError(int errno, string member) =>
        Fail(errno == (int)Errno.EBUSY ? "the member is still active or busy (mark it faulty first)" : "HOT_REMOVE_DISK failed",
            "ioctl HOT_REMOVE_DISK", errno, member);

    /// <summary>HOT_REMOVE_DISK returning 0 or the errno.</summary>
    internal int TryHotRemoveDisk(uint major, uint minor) =>
        Fd.TryIoctlValue(_fd, Interop.MdU.HOT_REMOVE_DISK, EncodeDev(major, minor), out int errno) < 0 ? errno : 0;

    /// <summary>The size of the md block device in bytes (BLKGETSIZE64).</summary>
    internal long SizeBytes() => BlockDevices.SizeBytes(_fd, Node);

    /// <summary>The kernel's new_encode_dev(), which HOT_REMOVE_DISK and SET_DISK_FAULTY decode (glibc's makedev for majors below 4096).</summary>
    internal static nuint EncodeDev(uint major, uint minor) =>
        (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);

    private MdException Fail(string message, string operation, int errno, string? member = null) =>
        new(message, operation, Node, member, errno);

    public void Dispose() => _fd.Dispose();
}
