using System.Globalization;
using NvmeNative.Errors;
using NvmeNative.Interop;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>A partition of a would-be member, as sysfs shows it (/sys/dev/block/MAJ:MIN/NAMEpN).</summary>
/// <param name="Name">Kernel name, e.g. loop3p1 or nvme1n1p2.</param>
/// <param name="Number">Partition number (the partition attribute).</param>
/// <param name="StartSectors">First sector (512-byte units).</param>
/// <param name="SizeSectors">Length in 512-byte sectors.</param>
/// <param name="InUseBy">Why it is in use (its holders, or "open exclusively (mounted?)"), or null when it is not.</param>
internal sealed record MemberPartition(string Name, int Number, long StartSectors, long SizeSectors, string? InUseBy);

/// <summary>
/// Partitions and holders of a would-be member. md owns a member whole, so a member must not be used through a partition
/// or stacked under another driver. mdadm --create only warns about a partition table ("will be lost or meaningless")
/// and then deletes the kernel's partitions of each member (BLKPG_DEL_PARTITION for 1..15, Create.c add_disks →
/// remove_partitions), ignoring failures; with --run it does not even ask. We refuse such a member before anything is
/// written (a partitioned disk is rarely a blank volume), and delete its partitions only when the caller asks for
/// mdadm's behaviour, never while one of them is in use.
/// </summary>
internal static class MemberPartitions
{
    /// <summary>
    /// Throws <see cref="InvalidInputException"/> when the device has holders (dm, md, bcache stacked on it), a
    /// partition in use, or any partition while <paramref name="deletePartitions"/> is false. Returns the partitions
    /// to delete (empty when there are none). Changes nothing. <paramref name="deleteOption"/> names the caller's
    /// option that allows deleting them, for the message (null when the operation has none).
    /// </summary>
    internal static IReadOnlyList<MemberPartition> Check(MdPaths paths, string member, uint major, uint minor, bool deletePartitions,
        string operation, string? deleteOption)
    {
        string sys = paths.SysDevBlock(major, minor);
        if (BlockDevices.Holders(sys) is { Count: > 0 } holders)
            throw new InvalidInputException($"it is in use: held by {string.Join(", ", holders)}", operation, "member", member,
                errno: (int)NvmeNative.Errors.Errno.EBUSY);
        var partitions = Read(paths, sys);
        if (partitions.Count == 0)
            return partitions;
        string list = string.Join(", ", partitions.Select(p => p.Name));
        if (partitions.FirstOrDefault(p => p.InUseBy is not null) is { } used)
            throw new InvalidInputException($"it has partitions ({list}) and {used.Name} is in use: {used.InUseBy}", operation,
                "member", member, errno: (int)NvmeNative.Errors.Errno.EBUSY);
        if (!deletePartitions)
            throw new InvalidInputException($"it has partitions ({list}) that an md member would destroy; delete them first" +
                (deleteOption is null ? "" : $", or set {deleteOption} to have them deleted as mdadm --create does"), operation, "member", member);
        return partitions;
    }

    /// <summary>
    /// Deletes the partitions from the kernel's view (BLKPG_DEL_PARTITION on the claimed whole device; the partition table
    /// on the device is left as it is, as with mdadm). Each deletion is journalled with a BLKPG_ADD_PARTITION of the same
    /// extent, so a failed create puts them back. Fails (EBUSY) if a partition was opened after the check.
    /// </summary>
    internal static void Delete(SafeFdHandle wholeDevice, string member, IReadOnlyList<MemberPartition> partitions, UndoJournal journal,
        string operation)
    {
        foreach (var partition in partitions)
        {
            int errno = BlockDevices.TryDeletePartition(wholeDevice, partition.Number, partition.StartSectors * 512, partition.SizeSectors * 512);
            if (errno != 0)
                throw new MdException($"cannot delete partition {partition.Name}", "ioctl BLKPG_DEL_PARTITION", member: member, errno: errno);
            journal.Push($"re-add partition {partition.Name}", () =>
            {
                using var fd = Fd.Open(member, Interop.Fcntl.O_RDONLY);
                int e = BlockDevices.TryAddPartition(fd, partition.Number, partition.StartSectors * 512, partition.SizeSectors * 512);
                if (e != 0)
                    throw new MdException($"cannot re-add partition {partition.Name}", "ioctl BLKPG_ADD_PARTITION", member: member, errno: e);
            });
        }
    }

    private static List<MemberPartition> Read(MdPaths paths, string sysDir)
    {
        var partitions = new List<MemberPartition>();
        if (!Directory.Exists(sysDir))
            return partitions;
        foreach (string dir in Directory.EnumerateDirectories(sysDir).Order())
        {
            if (SysfsFile.TryRead(Path.Combine(dir, "partition")) is not { } number)
                continue;
            string name = Path.GetFileName(dir);
            var holders = BlockDevices.Holders(dir);
            string? inUse = holders.Count > 0 ? "held by " + string.Join(", ", holders)
                : BlockDevices.IsClaimedExclusively(paths.Kernel.DevPath(name)) ? "it is open exclusively (mounted, or claimed by a driver or a program)"
                : null;
            partitions.Add(new MemberPartition(name, int.Parse(number, CultureInfo.InvariantCulture), Sectors(dir, "start"), Sectors(dir, "size"), inUse));
        }
        return partitions;
    }

    private static long Sectors(string dir, string attribute) =>
        long.Parse(SysfsFile.Read(Path.Combine(dir, attribute)), CultureInfo.InvariantCulture);
}
