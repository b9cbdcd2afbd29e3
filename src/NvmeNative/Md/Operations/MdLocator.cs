using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>Finds md devices in sysfs: by uuid, or as the holder of a member block device.</summary>
internal sealed class MdLocator(MdPaths paths)
{
    /// <summary>True when the md device exists (it has an md/ directory in sysfs).</summary>
    internal bool Exists(MdDeviceName md) => Directory.Exists(paths.MdDir(md));

    /// <summary>The array's uuid from md/uuid, or null when unavailable or still all zero (not started yet).</summary>
    internal MdUuid? UuidOf(MdDeviceName md) =>
        MdUuid.TryParse(SysfsFile.TryRead(paths.Attribute(md, "uuid")), out var uuid) && uuid.Bytes.ContainsAnyExcept((byte)0)
            ? uuid
            : null;

    /// <summary>
    /// True when no array is there: the md device is gone, or it was stopped and md has not deleted it yet (md deletes a
    /// stopped device asynchronously: until then its md/ directory stays, array_state reads "clear" and the uuid zero).
    /// An array being assembled reads "inactive", so it is never taken for vacant.
    /// </summary>
    internal bool IsVacant(MdDeviceName md) =>
        !Exists(md) || UuidOf(md) is null && SysfsFile.TryRead(paths.Attribute(md, "array_state")) is null or "clear";

    /// <summary>Every md device in /sys/block.</summary>
    internal IEnumerable<MdDeviceName> All() =>
        Directory.Exists(paths.SysBlock)
            ? Directory.EnumerateFileSystemEntries(paths.SysBlock)
                .Select(Path.GetFileName)
                .Select(n => MdDeviceName.TryParse(n, out var md) ? md : (MdDeviceName?)null)
                .OfType<MdDeviceName>()
                .Where(Exists)
            : [];

    /// <summary>The md devices whose uuid is <paramref name="uuid"/> (normally at most one).</summary>
    internal IEnumerable<MdDeviceName> ByUuid(MdUuid uuid) => All().Where(md => UuidOf(md) == uuid);

    /// <summary>The md device that holds a block device (/sys/class/block/KNAME/holders/mdN), if any.</summary>
    internal MdDeviceName? HolderOf(string kernelName)
    {
        string holders = Path.Combine(paths.SysClassBlock(kernelName), "holders");
        if (!Directory.Exists(holders))
            return null;
        foreach (var entry in Directory.EnumerateFileSystemEntries(holders))
            if (MdDeviceName.TryParse(Path.GetFileName(entry), out var md))
                return md;
        return null;
    }
}
