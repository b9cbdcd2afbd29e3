namespace NvmeNative.Interop;

/// <summary>linux/fs.h block-device ioctls.</summary>
[CHeader("sys/ioctl.h", "linux/fs.h")]
internal static class Fs
{
    /// <summary>_IOR(0x12, 114, size_t): device size in bytes.</summary>
    internal static readonly uint BLKGETSIZE64 = IoctlCode.IOR<nuint>(0x12, 114);

    /// <summary>_IO(0x12, 97): flush the buffer cache of a block device.</summary>
    internal static readonly uint BLKFLSBUF = IoctlCode.IO(0x12, 97);

    /// <summary>_IO(0x12, 104): logical sector size (int).</summary>
    internal static readonly uint BLKSSZGET = IoctlCode.IO(0x12, 104);

    /// <summary>_IO(0x12, 105): partition table changes (struct blkpg_ioctl_arg), see <see cref="Blkpg"/>.</summary>
    internal static readonly uint BLKPG = IoctlCode.IO(0x12, 105);
}
