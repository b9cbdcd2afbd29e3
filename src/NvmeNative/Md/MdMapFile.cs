using System.Diagnostics;
using System.Text;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>One line of /run/mdadm/map: "mdN METADATA UUID PATH".</summary>
/// <param name="Device">The md device.</param>
/// <param name="Metadata">The metadata version text, "1.2" for our arrays.</param>
/// <param name="Uuid">The array uuid.</param>
/// <param name="Path">Where the array's name link is (/dev/md/NAME), or empty.</param>
internal sealed record MdMapEntry(MdDeviceName Device, string Metadata, MdUuid Uuid, string Path)
{
    /// <summary>The line as mdadm's map_write prints it ("%s %s %08x:%08x:%08x:%08x %s\n").</summary>
    internal string Format() => $"{Device.Value} {Metadata} {Uuid.ToMapFileString()} {Path}";

    /// <summary>Parses a line as mdadm's map_read does (whitespace-separated, seven fields with the uuid words).</summary>
    internal static MdMapEntry? TryParse(string line)
    {
        var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 4 || !MdDeviceName.TryParse(fields[0], out var device) ||
            !MdUuid.TryParseMapFileString(fields[2], out var uuid))
            return null;
        return new MdMapEntry(device, fields[1], uuid, fields[3]);
    }
}

/// <summary>
/// mdadm's /run/mdadm/map, which mdadm (and udev's rule through <c>mdadm --detail --export</c>) use to find the
/// /dev/md/NAME of an array. We follow mapfile.c exactly, so that we and a concurrent mdadm never lose each
/// other's entries: take an exclusive flock on map.lock (retrying if the holder unlinked it under us), read the
/// map, write map.new, rename it over map, then unlink the lock file before closing it.
/// </summary>
internal sealed class MdMapFile(MdPaths paths)
{
    private string MapPath => Path.Combine(paths.MdadmRunDir, "map");

    private string NewPath => Path.Combine(paths.MdadmRunDir, "map.new");

    private string LockPath => Path.Combine(paths.MdadmRunDir, "map.lock");

    // mdadm holds map.lock only while it rewrites the map (milliseconds); a holder past this is stuck.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Every entry (lines that do not parse are skipped, as mdadm does).</summary>
    internal IReadOnlyList<MdMapEntry> Read() =>
        File.Exists(MapPath)
            ? File.ReadAllLines(MapPath).Select(MdMapEntry.TryParse).OfType<MdMapEntry>().ToList()
            : [];

    /// <summary>Adds the entry, replacing any entry for the same md device (mdadm's map_update).</summary>
    internal void Update(MdMapEntry entry) =>
        Edit(lines =>
        {
            lines.RemoveAll(l => MdMapEntry.TryParse(l)?.Device == entry.Device);
            lines.Add(entry.Format());
        });

    /// <summary>Removes the entry of an md device, if it has one (mdadm's map_remove).</summary>
    internal void Remove(MdDeviceName device) => RemoveWhere(e => e.Device == device);

    /// <summary>Removes every entry <paramref name="remove"/> picks, judged again under the lock; returns how many went.</summary>
    internal int RemoveWhere(Func<MdMapEntry, bool> remove)
    {
        if (!Read().Any(remove))
            return 0; // nothing to do: no lock taken, no rewrite
        int removed = 0;
        Edit(lines => removed = lines.RemoveAll(l => MdMapEntry.TryParse(l) is { } entry && remove(entry)));
        return removed;
    }

    private void Edit(Action<List<string>> change)
    {
        Directory.CreateDirectory(paths.MdadmRunDir);
        using var held = Lock();
        var lines = File.Exists(MapPath)
            ? File.ReadAllLines(MapPath).Where(l => MdMapEntry.TryParse(l) is not null).ToList()
            : [];
        change(lines);
        var text = new StringBuilder();
        foreach (var line in lines)
            text.Append(line).Append('\n');
        File.WriteAllText(NewPath, text.ToString());
        File.Move(NewPath, MapPath, overwrite: true); // rename(2): readers see the old or the new map, never half of one
    }

    private LockHandle Lock()
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            TimeSpan left = LockTimeout - Stopwatch.GetElapsedTime(start);
            var held = FileLock.Acquire(LockPath, left > TimeSpan.Zero ? left : TimeSpan.Zero, CancellationToken.None, createMode: 0x180 /* 0600 */);
            // The previous holder unlinks the file before it closes it; if we got the lock on such an
            // unlinked file, it no longer protects anything: open the new one (mapfile.c map_lock).
            try
            {
                if (!held.IsUnlinked)
                    return new LockHandle(held);
            }
            catch
            {
                held.Dispose();
                throw;
            }
            held.Dispose();
        }
    }

    private sealed class LockHandle(FileLock held) : IDisposable
    {
        public void Dispose()
        {
            File.Delete(held.Path); // only the holder may unlink it, and it must do so before closing
            held.Dispose();
        }
    }
}
