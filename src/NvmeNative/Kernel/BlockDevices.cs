using NvmeNative.Errors;

namespace NvmeNative.Kernel;

/// <summary>PLACEHOLDER in the reshape branch: the kernel helper's version replaces this file at merge.</summary>
internal static class BlockDevices
{
    internal static void Flush(string devicePath)
    {
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY);
        Fd.Fsync(fd, devicePath);
        Fd.IoctlValue(fd, Interop.Fs.BLKFLSBUF, 0, "BLKFLSBUF", devicePath);
    }

    internal static long SizeBytes(string devicePath)
    {
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY);
        ulong bytes = 0;
        Fd.Ioctl(fd, Interop.Fs.BLKGETSIZE64, ref bytes, "BLKGETSIZE64", devicePath);
        return checked((long)bytes);
    }

    internal static bool StartsWithZeroes(string devicePath, int bytes)
    {
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY);
        byte[] buffer = new byte[bytes];
        int n = Fd.PRead(fd, buffer, 0, devicePath);
        return !buffer.AsSpan(0, n).ContainsAnyExcept((byte)0);
    }

    internal static bool IsInUse(KernelPaths paths, string kernelName, string devicePath)
    {
        string holders = paths.SysPath($"class/block/{kernelName}/holders");
        if (Directory.Exists(holders) && Directory.EnumerateFileSystemEntries(holders).Any())
            return true;
        using var probe = Fd.TryOpen(devicePath, Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_EXCL, out int errno);
        return probe is null && errno == (int)Errno.EBUSY;
    }
}
