using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// Makes a running array findable the way mdadm does: the /run/mdadm/map entry (mdadm and udev's rule read the name
/// from it), the /dev/md/NAME link (there may be no udev to make it), and a "change" uevent so that udev, when there
/// is one, sees the array's final state. Each change it makes is pushed on the caller's journal with its exact undo:
/// an entry or link that was already there (an array udev assembled and we adopt) is restored, not removed.
/// </summary>
internal static class MdPublisher
{
    internal static MdArray Publish(MdPaths paths, UndoJournal journal, MdDeviceName md, MdUuid uuid, MdArrayName? name,
        IReadOnlyList<string> members, string operation)
    {
        string? link = null;
        var map = new MdMapFile(paths);
        var previous = map.Read().FirstOrDefault(e => e.Device == md);
        map.Update(new MdMapEntry(md, "1.2", uuid, name is { } n ? paths.Link(n) : ""));
        if (previous is null)
            journal.Push($"remove the map entry of {md}", () => map.Remove(md));
        else
            journal.Push($"restore the map entry of {md}", () => map.Update(previous));
        if (name is { } linkName)
        {
            var links = new MdLinks(paths);
            links.RemoveTemporaries();
            bool existed = links.Target(linkName) == md;
            if (links.IsAvailable(linkName, md))
            {
                link = links.Create(linkName, md);
                if (!existed)
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
        return new MdArray(md, paths.Node(md), uuid, name, link, MdSysfs.SizeBytes(paths, md, operation), members);
    }
}
