using NvmeNative.Kernel;
using NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>Reads a member's v1.2 metadata without claiming it (it may belong to a running array).</summary>
internal static class MemberMetadataReader
{
    /// <summary>
    /// The member's metadata, or null when it carries no md superblock. The page cache of the device is dropped
    /// first (BLKFLSBUF): md writes superblocks with bios that bypass it, so cached pages may be stale.
    /// </summary>
    internal static (MemberMetadata? Metadata, BlockDevice Device) Read(MdPaths paths, string member, string operation)
    {
        var (major, minor) = MemberClaim.RequireBlockDevice(member, operation);
        var fd = Fd.TryOpen(member, Interop.Fcntl.O_RDONLY, out int errno)
            ?? throw new MdException("cannot open the member", operation, member: member, errno: errno);
        using (fd)
        {
            var device = MemberClaim.Describe(paths, fd, member, major, minor, operation);
            BlockDevices.TryDropCache(fd);
            return (MemberMetadataIO.Read(fd, member, device.SizeBytes, device.LogicalBlockSize, paths.KernelKnowsLogicalBlockSizeField), device);
        }
    }
}
