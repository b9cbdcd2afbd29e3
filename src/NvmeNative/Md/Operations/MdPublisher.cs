using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// Makes a running array findable the way mdadm does: the /run/mdadm/map entry (mdadm and udev's rule read the name
/// from it), the /dev/md/NAME link (there may be no udev to make it), and a "change" uevent so that udev, when there
/// is one, sees the array's final state.
/// </summary>
internal static class MdPublisher
{
    internal static MdArray Publish(MdPaths paths, UndoJournal journal, MdDeviceName md, MdUuid uuid, MdArrayName? name,
        IReadOnlyList<string> members, string operation)
    {
        string? link = null;
        var map = new MdMapFile(paths);
        map.Update(new MdMapEntry(md, "1.2", uuid, name is { } n ? paths.Link(n) : ""));
        journal.Push($"remove the map entry of {md}", () => map.Remove(md));
        if (name is { } linkName)
        {
            var links = new MdLinks(paths);
            if (links.IsAvailable(linkName, md))
            {
                link = links.Create(linkName, md);
                journal.Push($"remove {link}", () => links.Remove(linkName, md));
            }
        }
        try
        {
            SysfsFile.Write(Path.Combine(paths.SysDevice(md), "uevent"), "change");
        }
        catch (NvmeNativeException)
        {
            // Only a hint for udev; the array works without it.
        }
        long size = long.Parse(SysfsFile.Read(Path.Combine(paths.SysDevice(md), "size")), System.Globalization.CultureInfo.InvariantCulture) * 512;
        return new MdArray(md, paths.Node(md), uuid, name, link, size, members);
    }
}
