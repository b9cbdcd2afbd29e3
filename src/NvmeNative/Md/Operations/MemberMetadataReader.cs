using NvmeNative.Kernel;
using NvmeNative.Md.Format;

namespace NvmeNative.Md;

/// <summary>Reads a member's v1.2 metadata without claiming it (it may belong to a running array).</summary>
internal static class MemberMetadataReader
{
    /// <summary>
    /// The member's metadata, or null when it carries no md superblock. The page cache of the device is dropped
    /// first (BLKFLSBUF): md writes superblocks with bios that bypass it, so cached pages may be stale. The bitmap's
    /// bits are read only when <paramref name="readBits"/> (copying the metadata to a new member); deciding what to
    /// assemble needs the superblocks alone.
    /// </summary>
    /// <exception cref="MdSuperblockException">The member's metadata breaks a kernel rule or a bound (<see cref="Format.MemberMetadataBounds"/>).</exception>
    internal static (MemberMetadata? Metadata, BlockDevice Device) Read(MdPaths paths, string member, string operation, bool readBits = false)
    {
        var (major, minor) = MemberClaim.RequireBlockDevice(member, operation);
        var fd = Fd.TryOpen(member, Interop.Fcntl.O_RDONLY, out int errno)
            ?? throw new MdException("cannot open the member", operation, member: member, errno: errno);
        using (fd)
        {
            var device = MemberClaim.Describe(paths, fd, member, major, minor, operation);
            BlockDevices.TryDropCache(fd);
            return (MemberMetadataIO.Read(fd, member, device.SizeBytes, device.LogicalBlockSize, readBits, paths.KernelKnowsLogicalBlockSizeField), device);
        }
    }
}
