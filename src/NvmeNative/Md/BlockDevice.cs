namespace NvmeNative.Md;

/// <summary>A block device as the Md layer uses it: where it is, its device number, its kernel name and size.</summary>
/// <param name="Path">The path the caller gave (/dev/nvme1n1, /dev/disk/by-id/..., /dev/loop3).</param>
/// <param name="Major">Device major number.</param>
/// <param name="Minor">Device minor number.</param>
/// <param name="KernelName">The kernel's name (nvme1n1, loop3): the md sysfs directory of a member is dev-KERNELNAME.</param>
/// <param name="SizeBytes">Capacity in bytes (BLKGETSIZE64).</param>
/// <param name="LogicalBlockSize">Logical block size in bytes (BLKSSZGET).</param>
internal sealed record BlockDevice(string Path, uint Major, uint Minor, string KernelName, long SizeBytes, int LogicalBlockSize);
