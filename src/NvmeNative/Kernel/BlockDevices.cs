using NvmeNative.Errors;
using NvmeNative.Interop;

namespace NvmeNative.Kernel;

/// <summary>
/// What the block layer says about a block device, and the few things done to one as a whole: whether something
/// uses it, its size, a flush of its cache, whether it starts blank. Nothing here writes to the device's data.
/// </summary>
internal static class BlockDevices
{
    /// <summary>
    /// The devices stacked on the block device whose sysfs directory is <paramref name="sysfsDirectory"/> (the entries of
    /// its <c>holders/</c>: dm-0, md127, bcache0), sorted; empty when it has none or the directory does not exist.
    /// </summary>
    internal static IReadOnlyList<string> Holders(string sysfsDirectory)
    {
        string holders = Path.Combine(sysfsDirectory, "holders");
        return Directory.Exists(holders)
            ? Directory.EnumerateFileSystemEntries(holders).Select(h => Path.GetFileName(h)).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>True when a device (md, dm, bcache) is stacked on <c>/sys/class/block/<paramref name="kernelName"/></c>.</summary>
    internal static bool HasHolders(KernelPaths paths, string kernelName) =>
        Holders(paths.SysPath($"class/block/{kernelName}")).Count > 0;

    /// <summary>
    /// True when the device is claimed exclusively (mounted, a member of a running array, or opened with O_EXCL by
    /// anyone): our own O_EXCL open then fails with EBUSY. The probe open changes nothing; any other failure
    /// (a missing node, say) is not a claim. O_NONBLOCK means nothing to a block device's open; it only keeps a
    /// FIFO given by mistake from blocking the probe until a writer comes.
    /// </summary>
    internal static bool IsClaimedExclusively(string devicePath)
    {
        using var probe = Fd.TryOpen(devicePath, Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_EXCL | Interop.Fcntl.O_NONBLOCK, out int errno);
        return probe is null && errno == (int)Errno.EBUSY;
    }

    /// <summary>True when something uses the device: a device stacked on it, or an exclusive claim.</summary>
    internal static bool IsInUse(KernelPaths paths, string kernelName, string devicePath) =>
        HasHolders(paths, kernelName) || IsClaimedExclusively(devicePath);

    /// <summary>Writes back everything cached for the device, as <c>blockdev --flushbufs</c> does: fsync, then BLKFLSBUF.</summary>
    internal static void Flush(string devicePath)
    {
        // O_NONBLOCK: a FIFO or a tty passed as the device must fail (fsync or BLKFLSBUF refuse it), never block the
        // detach in open(2) while it holds the host lock. A block device ignores the flag.
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_NONBLOCK);
        Fd.Fsync(fd, devicePath);
        Fd.IoctlValue(fd, Interop.Fs.BLKFLSBUF, 0, "BLKFLSBUF", devicePath);
    }

    /// <summary>The size the block layer gives the device now, in bytes (BLKGETSIZE64, as <c>blockdev --getsize64</c>).</summary>
    internal static long SizeBytes(string devicePath)
    {
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY);
        return SizeBytes(fd, devicePath);
    }

    /// <summary>BLKGETSIZE64 of an open block device.</summary>
    internal static long SizeBytes(SafeFdHandle fd, string devicePath)
    {
        ulong bytes = 0;
        Fd.Ioctl(fd, Interop.Fs.BLKGETSIZE64, ref bytes, "BLKGETSIZE64", devicePath);
        return checked((long)bytes);
    }

    /// <summary>The device's logical block size in bytes (BLKSSZGET, as <c>blockdev --getss</c>).</summary>
    internal static int LogicalBlockSize(SafeFdHandle fd, string devicePath)
    {
        int size = 0;
        Fd.Ioctl(fd, Interop.Fs.BLKSSZGET, ref size, "BLKSSZGET", devicePath);
        return size;
    }

    /// <summary>Drops the device's page cache (BLKFLSBUF) so the next read comes from the device; best effort, as only a cache is lost.</summary>
    internal static void TryDropCache(SafeFdHandle fd) => Fd.TryIoctlValue(fd, Interop.Fs.BLKFLSBUF, 0, out _);

    /// <summary>The device number of an open block device (the node it was opened through may have been replaced since).</summary>
    internal static (uint Major, uint Minor) DeviceNumberOf(SafeFdHandle fd, string devicePath)
    {
        var st = Fd.Fstatx(fd, devicePath);
        return (st.stx_rdev_major, st.stx_rdev_minor);
    }

    /// <summary>Deletes partition <paramref name="number"/> of the whole device (BLKPG_DEL_PARTITION, as <c>mdadm --create</c> does); returns 0 or the errno.</summary>
    internal static int TryDeletePartition(SafeFdHandle wholeDevice, int number, long startBytes, long lengthBytes) =>
        Blkpg(wholeDevice, Interop.Blkpg.BLKPG_DEL_PARTITION, number, startBytes, lengthBytes);

    /// <summary>Adds partition <paramref name="number"/> back where it was (BLKPG_ADD_PARTITION); returns 0 or the errno.</summary>
    internal static int TryAddPartition(SafeFdHandle wholeDevice, int number, long startBytes, long lengthBytes) =>
        Blkpg(wholeDevice, Interop.Blkpg.BLKPG_ADD_PARTITION, number, startBytes, lengthBytes);

    private static unsafe int Blkpg(SafeFdHandle fd, int op, int number, long startBytes, long lengthBytes)
    {
        var part = new Interop.Blkpg.blkpg_partition { pno = number, start = startBytes, length = lengthBytes };
        var arg = new Interop.Blkpg.blkpg_ioctl_arg { op = op, datalen = sizeof(Interop.Blkpg.blkpg_partition), data = &part };
        return Fd.TryIoctl(fd, Interop.Fs.BLKPG, ref arg, out int errno) < 0 ? errno : 0;
    }

    /// <summary>True when the first <paramref name="bytes"/> of the device (all of it, when it is smaller) read as zeroes.</summary>
    internal static bool StartsWithZeroes(string devicePath, int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY);
        if (bytes == 0)
            return true;
        // The whole window in one read, into native memory: 16 KiB at a time was 64 reads per 1 MiB replica on the
        // replicated create's path (the page cache reads ahead the same either way), and a managed 1 MiB array would be
        // a large object, freed only by a full GC.
        using var buffer = new AlignedBuffer((bytes + AlignedBuffer.Alignment - 1) / AlignedBuffer.Alignment * AlignedBuffer.Alignment);
        var window = buffer.Span[..bytes];
        int filled = 0;
        while (filled < bytes)
        {
            int n = Fd.PRead(fd, window[filled..], filled, devicePath);
            if (n == 0)
                break; // end of the device: all of it was read
            filled += n;
        }
        return !window[..filled].ContainsAnyExcept((byte)0);
    }

    /// <summary>
    /// stat of the path (following links): it must exist and be a block device, or this throws
    /// <see cref="InvalidInputException"/> carrying the errno (ENOENT, ENOTBLK, ...). Returns its device number.
    /// </summary>
    internal static (uint Major, uint Minor) RequireBlockDevice(string path, string operation)
    {
        Interop.Stat.statx st;
        try
        {
            st = Fd.Statx(path);
        }
        catch (NvmeNativeException e) when (e.ErrnoValue is int errno)
        {
            throw new InvalidInputException(errno == (int)Errno.ENOENT ? "the device does not exist" : "cannot stat the device",
                operation, path: path, errno: errno);
        }
        if ((st.stx_mode & Interop.Stat.S_IFMT) != Interop.Stat.S_IFBLK)
            throw new InvalidInputException("not a block device", operation, path: path, errno: (int)Errno.ENOTBLK);
        return (st.stx_rdev_major, st.stx_rdev_minor);
    }
}
