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

    /// <summary>Creates (or re-points a dangling) /dev/md/NAME → ../mdN.</summary>
    internal string Create(MdArrayName name, MdDeviceName device)
    {
        Directory.CreateDirectory(paths.LinkDir);
        string link = paths.Link(name);
        if (Target(name) == device)
            return link;
        if (new FileInfo(link).LinkTarget is not null)
            File.Delete(link); // IsAvailable said it dangles
        File.CreateSymbolicLink(link, "../" + device.Value);
        return link;
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
