using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// The /dev/md/NAME links. udev makes them only when mdadm is installed and its rules run; there may be no udev
/// at all, so we make and remove them ourselves, relative ("../mdN", as udev does), and only ever touch a link that
/// points to the md device we are working on.
/// </summary>
internal sealed class MdLinks(MdPaths paths)
{
    /// <summary>The md device the link for <paramref name="name"/> points to, or null when there is no such link.</summary>
    internal MdDeviceName? Target(MdArrayName name)
    {
        string? target = new FileInfo(paths.Link(name)).LinkTarget;
        return target is not null && MdDeviceName.TryParse(Path.GetFileName(target), out var device) ? device : null;
    }

    /// <summary>
    /// True when the link name is free for <paramref name="device"/>: no entry at all, a link to the device
    /// itself, or a dangling link left by an array that is gone.
    /// </summary>
    internal bool IsAvailable(MdArrayName name, MdDeviceName device)
    {
        string link = paths.Link(name);
        var info = new FileInfo(link);
        if (info.LinkTarget is null)
            return !info.Exists && !Directory.Exists(link);
        var target = Target(name);
        return target == device || (target is { } other && !Directory.Exists(paths.MdDir(other)));
    }

    /// <summary>
    /// Creates (or re-points a dangling) /dev/md/NAME → ../mdN atomically: the new link is made under a temporary name
    /// in the same directory and renamed over NAME, so a reader (udev, a mount by path, another attach) sees the old
    /// link or the new one, never none; a crash leaves at most a temporary that <see cref="RemoveTemporaries"/> clears.
    /// </summary>
    /// <exception cref="MdException">NAME exists and is not a symlink (a file or directory we did not make), or a system call failed.</exception>
    internal string Create(MdArrayName name, MdDeviceName device)
    {
        const string operation = "create md link";
        Directory.CreateDirectory(paths.LinkDir);
        string link = paths.Link(name);
        if (Target(name) == device)
            return link;
        var existing = new FileInfo(link);
        if (existing.LinkTarget is null && (existing.Exists || Directory.Exists(link)))
            throw new MdException("it exists and is not a symlink: it was not made by md or NvmeNative; remove it to use this name", operation,
                member: link);
        string temp = Path.Combine(paths.LinkDir, $".{name.Value}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempSuffix}");
        int errno = PathOps.TrySymlink("../" + device.Value, temp);
        if (errno != 0)
            throw new MdException("cannot create the link", operation, member: temp, errno: errno);
        errno = PathOps.TryRename(temp, link);
        if (errno != 0)
        {
            _ = PathOps.TryUnlink(temp);
            throw new MdException($"cannot rename the new link over {link}", operation, member: temp, errno: errno);
        }
        return link;
    }

    /// <summary>The suffix of a link being made (<see cref="Create"/>); such names are never array names (they start with '.').</summary>
    internal const string TempSuffix = ".tmp";

    /// <summary>
    /// Removes links that a <see cref="Create"/> which died left under their temporary names (".NAME.PID.GUID.tmp"):
    /// only those whose process is gone, so a concurrent Create in another process keeps its own. Returns how many.
    /// </summary>
    internal int RemoveTemporaries()
    {
        if (!Directory.Exists(paths.LinkDir))
            return 0;
        int removed = 0;
        foreach (string temp in Directory.EnumerateFileSystemEntries(paths.LinkDir, "." + "*" + TempSuffix))
        {
            string[] parts = Path.GetFileName(temp).Split('.');
            bool ownerAlive = parts.Length >= 4 && int.TryParse(parts[^3], out int pid) && Directory.Exists(Path.Combine(paths.Kernel.Proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (!ownerAlive && new FileInfo(temp).LinkTarget is not null && PathOps.TryUnlink(temp) == 0)
                removed++;
        }
        return removed;
    }

    /// <summary>Removes /dev/md/NAME if it points to <paramref name="device"/>.</summary>
    internal void Remove(MdArrayName name, MdDeviceName device)
    {
        if (Target(name) == device)
            File.Delete(paths.Link(name));
    }

    /// <summary>Removes every /dev/md/* link that points to <paramref name="device"/> (mdadm's stop does the same).</summary>
    internal void RemoveAll(MdDeviceName device)
    {
        if (!Directory.Exists(paths.LinkDir))
            return;
        foreach (var link in Directory.GetFileSystemEntries(paths.LinkDir))
        {
            string? target = new FileInfo(link).LinkTarget;
            if (target is not null && Path.GetFileName(target) == device.Value)
                File.Delete(link);
        }
    }
}
