using NvmeNative.Kernel;

namespace NvmeNative.Md;

// The questions a volume layer asks about devices and names before it decides what to do with an array.
public sealed partial class MdArrays
{
    /// <summary>The md array that holds <paramref name="devicePath"/> as a member now (sysfs <c>holders/</c>), or null.</summary>
    public MdDeviceName? HolderOf(string devicePath)
    {
        ArgumentNullException.ThrowIfNull(devicePath);
        return new MdLocator(_paths).HolderOf(Path.GetFileName(devicePath));
    }

    /// <summary>True when the block device carries an md superblock of any version (0.90, 1.0, 1.1, 1.2; valid or not).</summary>
    /// <exception cref="NvmeNative.Errors.InvalidInputException">The path is not a block device.</exception>
    public bool CarriesMetadata(string devicePath)
    {
        ArgumentNullException.ThrowIfNull(devicePath);
        const string operation = "probe md metadata";
        MemberClaim.RequireBlockDevice(devicePath, operation);
        using var fd = Fd.Open(devicePath, Interop.Fcntl.O_RDONLY);
        return Format.MdSuperblockProbe.Find(fd, devicePath, BlockDevices.SizeBytes(devicePath)).Count > 0;
    }

    /// <summary>The array's uuid as md reports it now, or null when the array is gone or has none yet.</summary>
    public MdUuid? UuidOf(MdDeviceName device) => new MdLocator(_paths).UuidOf(device);

    /// <summary>The device node of an array (<c>/dev/md127</c>).</summary>
    public string NodePath(MdDeviceName device) => _paths.Node(device);

    /// <summary>The name link of an array (<c>/dev/md/NAME</c>), whether or not it exists.</summary>
    public string LinkPath(MdArrayName name) => _paths.Link(name);

    /// <summary>The array that <c>/dev/md/NAME</c> points at now (running or not), or null when there is no such link.</summary>
    public MdDeviceName? LinkTarget(MdArrayName name) => new MdLinks(_paths).Target(name);

    /// <summary>
    /// Removes <c>/dev/md/NAME</c> when it points at an array that no longer exists (left by a crash or by a stop
    /// that was not ours; md numbers are reused, so such a link could later name another volume's array).
    /// Returns true when a link was removed.
    /// </summary>
    public bool RemoveDanglingLink(MdArrayName name)
    {
        var links = new MdLinks(_paths);
        if (links.Target(name) is not { } target || new MdLocator(_paths).Exists(target))
            return false;
        links.Remove(name, target);
        return true;
    }

    /// <summary>
    /// The member's v1.2 superblock as <c>mdadm --examine</c> reads it, without claiming the device (it may be in a
    /// running array); null when it carries none (blank, or metadata of another version).
    /// </summary>
    /// <exception cref="NvmeNative.Errors.InvalidInputException">The path is not a block device.</exception>
    /// <exception cref="MdSuperblockException">A v1.2 superblock is there but fails its checks (bad checksum, impossible sizes).</exception>
    public MdMemberExamination? Examine(string devicePath)
    {
        ArgumentNullException.ThrowIfNull(devicePath);
        var (metadata, _) = MemberMetadataReader.Read(_paths, devicePath, "examine md member");
        if (metadata is null)
            return null;
        var sb = metadata.Superblock;
        return new MdMemberExamination(devicePath, sb.SetUuid, sb.SetName, sb.Events, checked((int)sb.DevNumber), sb.DevRoles)
        {
            LogicalBlockSize = sb.LogicalBlockSize,
        };
    }

    /// <summary>
    /// Detaches members whose block device is gone, as <c>mdadm --remove detached</c>. A member md failed stays bound
    /// after its device went away (a lost NVMe namespace), invisible in sysfs (its <c>dev-*/block</c> dangles) yet
    /// holding its descriptor number, which a re-add of the same replica under its new device name needs back.
    /// </summary>
    /// <returns>The device numbers (<c>major:minor</c>) detached; one md still holds busy is left for a later call.</returns>
    public IReadOnlyList<string> RemoveDetachedMembers(MdDeviceName device)
    {
        const string operation = "remove detached members";
        if (!new MdLocator(_paths).Exists(device))
            return [];
        using var control = MdControl.Open(_paths, device, exclusive: false, operation);
        if (MdInfoReader.Read(control) is not { } info)
            return [];
        var removed = new List<string>();
        foreach (var disk in info.Disks)
        {
            if (Path.Exists(_paths.SysDevBlock(disk.Major, disk.Minor)))
                continue;
            if (control.TryHotRemoveDisk(disk.Major, disk.Minor) == 0)
                removed.Add($"{disk.Major}:{disk.Minor}");
        }
        return removed;
    }
}
