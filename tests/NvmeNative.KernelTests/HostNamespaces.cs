using System.Text.RegularExpressions;

namespace NvmeNative.KernelTests;

/// <summary>
/// Finds the host's block device for a namespace by its UUID: the visible disk nvmeXnY (the multipath
/// head, or the plain disk without native multipath), never the hidden per-path nvmeXcYnZ.
/// </summary>
internal static partial class HostNamespaces
{
    internal static string? DiskWithUuid(Guid uuid)
    {
        if (!Directory.Exists("/sys/block"))
            return null;
        return Directory.EnumerateFileSystemEntries("/sys/block")
            .Select(Path.GetFileName)
            .Where(name => name is not null && VisibleDisk().IsMatch(name))
            .FirstOrDefault(name => Guid.TryParse(ReadOrNull($"/sys/block/{name}/uuid"), out var u) && u == uuid);
    }

    /// <summary>The disk's size in bytes (sysfs counts 512-byte sectors whatever the LBA size).</summary>
    internal static long SizeBytes(string disk) => long.Parse(File.ReadAllText($"/sys/block/{disk}/size").Trim()) * 512;

    /// <summary>Waits (on block uevents) until a visible disk with <paramref name="uuid"/> exists; returns its name.</summary>
    internal static string WaitForDisk(UeventWatch watch, Guid uuid, TimeSpan timeout)
    {
        if (DiskWithUuid(uuid) is string present)
            return present;
        watch.WaitFor(e => e.Action == "add" && e["SUBSYSTEM"] == "block" && DiskWithUuid(uuid) is not null,
            timeout, $"a disk with uuid {uuid}");
        return DiskWithUuid(uuid)!;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^nvme\d+n\d+$")]
    private static partial Regex VisibleDisk();
}
