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
    /// Removes what an array named <paramref name="name"/> can leave behind once it no longer runs, when its stop did not
    /// finish its cleanup (a process killed just after STOP_ARRAY, a stop that was not ours): <c>/dev/md/NAME</c> pointing
    /// at no array, and /run/mdadm/map entries for <c>/dev/md/NAME</c> whose md device no longer runs the array the
    /// entry describes. md numbers are reused, so either could later name another volume's array. A link or entry of an
    /// array that still runs is kept. Returns true when something was removed.
    /// </summary>
    public bool RemoveLeftoversOf(MdArrayName name)
    {
        var locator = new MdLocator(_paths);
        var links = new MdLinks(_paths);
        bool removed = false;
        if (links.Target(name) is { } target && locator.IsVacant(target))
        {
            links.Remove(name, target);
            removed = true;
        }
        string link = _paths.Link(name);
        removed |= new MdMapFile(_paths).RemoveWhere(entry =>
            entry.Path == link && (locator.IsVacant(entry.Device) || locator.UuidOf(entry.Device) is { } uuid && uuid != entry.Uuid)) > 0;
        return removed;
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
