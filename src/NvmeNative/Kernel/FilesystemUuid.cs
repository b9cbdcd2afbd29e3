using System.Buffers.Binary;
using NvmeNative.Errors;

namespace NvmeNative.Kernel;

/// <summary>
/// The UUID of a mounted file system, as <c>blkid -s UUID</c> prints it: os-brick reports the root file
/// system's as the connector property <c>uuid</c> (<c>findmnt -v / -n -o SOURCE</c>, then <c>blkid</c>).
/// Without those tools: the mount source comes from <c>/proc/self/mountinfo</c>; the UUID from udev's
/// <c>/dev/disk/by-uuid</c> links when udev runs, else from the file system's own superblock (ext2/3/4,
/// XFS, btrfs: the file systems a Linux root is made of). Everything else gives null, as os-brick gives
/// None when blkid fails or the root is an overlay.
/// </summary>
internal static class FilesystemUuid
{
    // Superblock locations and magics (e2fsprogs/blkid: ext2_fs.h, xfs_format.h, btrfs ctree.h).
    private const int ExtSuperblock = 1024, ExtMagicOffset = 0x38, ExtUuidOffset = 0x68;
    private const ushort ExtMagic = 0xEF53;
    private const int XfsUuidOffset = 32;
    private const uint XfsMagic = 0x58465342; // "XFSB", big-endian
    private const int BtrfsSuperblock = 64 * 1024, BtrfsFsidOffset = 32, BtrfsMagicOffset = 64;
    private static ReadOnlySpan<byte> BtrfsMagic => "_BHRfS_M"u8;

    /// <summary>The UUID of what is mounted at <paramref name="mountPoint"/>, or null (virtual, overlay, unreadable, unknown type).</summary>
    internal static string? OfMount(KernelPaths paths, string mountPoint)
    {
        string? table = SysfsFile.TryRead(Path.Combine(paths.Proc, "self/mountinfo"));
        if (table is null || MountInfoEntry.At(MountInfoEntry.Parse(table), mountPoint) is not { } mount)
            return null;
        if (mount.FilesystemType == "overlay")
            return null;
        string? device = DeviceOf(paths, mount);
        if (device is null)
            return null;
        return ByUuidLink(paths, device) ?? FromSuperblock(device);
    }

    /// <summary>
    /// The block device of a mount: from major:minor (<c>/sys/dev/block/M:m/uevent</c> DEVNAME), or, for
    /// btrfs whose st_dev is an anonymous 0:N, the source when it is a device under /dev.
    /// </summary>
    private static string? DeviceOf(KernelPaths paths, MountInfoEntry mount)
    {
        if (mount.Major != 0)
        {
            string? uevent = SysfsFile.TryRead(paths.SysPath($"dev/block/{mount.Major}:{mount.Minor}/uevent"));
            string? name = uevent?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("DEVNAME=", StringComparison.Ordinal))?[8..];
            if (name is not null && !name.Contains("..", StringComparison.Ordinal))
                return paths.DevPath(name);
        }
        string devRoot = paths.Dev.TrimEnd('/') + "/";
        string source = mount.Source.StartsWith("/dev/", StringComparison.Ordinal) ? paths.DevPath(mount.Source[5..]) : mount.Source;
        return source.StartsWith(devRoot, StringComparison.Ordinal) && !source.Contains("..", StringComparison.Ordinal) ? source : null;
    }

    /// <summary>udev's answer (it ran blkid): the <c>/dev/disk/by-uuid</c> link that resolves to the device.</summary>
    private static string? ByUuidLink(KernelPaths paths, string device)
    {
        string dir = paths.DevPath("disk/by-uuid");
        if (!Directory.Exists(dir))
            return null;
        string real = ResolvedOrSelf(device);
        foreach (string link in Directory.EnumerateFileSystemEntries(dir))
        {
            if (ResolvedOrSelf(link) == real)
                return Path.GetFileName(link);
        }
        return null;
    }

    private static string ResolvedOrSelf(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
        catch (UnauthorizedAccessException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>Reads the UUID from the superblock of an ext2/3/4, XFS or btrfs file system; null for others or when unreadable.</summary>
    internal static string? FromSuperblock(string device)
    {
        using var fd = Fd.TryOpen(device, Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_CLOEXEC, out _);
        if (fd is null)
            return null; // not root, or gone: os-brick's blkid would fail too
        Span<byte> block = stackalloc byte[4096];
        try
        {
            if (Fd.PRead(fd, block[..2048], 0, device) == 2048)
            {
                var ext = block.Slice(ExtSuperblock, 1024);
                if (BinaryPrimitives.ReadUInt16LittleEndian(ext[ExtMagicOffset..]) == ExtMagic)
                    return Format(ext.Slice(ExtUuidOffset, 16));
                if (BinaryPrimitives.ReadUInt32BigEndian(block) == XfsMagic)
                    return Format(block.Slice(XfsUuidOffset, 16));
            }
            if (Fd.PRead(fd, block[..4096], BtrfsSuperblock, device) == 4096 && block.Slice(BtrfsMagicOffset, 8).SequenceEqual(BtrfsMagic))
                return Format(block.Slice(BtrfsFsidOffset, 16));
        }
        catch (NvmeNativeException)
        {
            return null;
        }
        return null;
    }

    /// <summary>The 16 bytes in on-disk order as 8-4-4-4-12 lowercase hex, as blkid prints these file systems' UUIDs.</summary>
    internal static string? Format(ReadOnlySpan<byte> uuid)
    {
        bool zero = true;
        foreach (byte b in uuid)
            zero &= b == 0;
        if (zero)
            return null;
        string hex = Convert.ToHexStringLower(uuid);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
