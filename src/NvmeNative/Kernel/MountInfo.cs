using System.Globalization;
using System.Text;

namespace NvmeNative.Kernel;

/// <summary>One line of <c>/proc/self/mountinfo</c> (proc(5)): what is mounted where, from which device.</summary>
/// <param name="Major">The st_dev major of the file system (0 for virtual ones, and for btrfs).</param>
/// <param name="Minor">The st_dev minor.</param>
/// <param name="MountPoint">Where it is mounted, unescaped.</param>
/// <param name="FilesystemType">The file system type, e.g. <c>ext4</c>, <c>overlay</c>.</param>
/// <param name="Source">The mount source, e.g. <c>/dev/sda1</c>, unescaped.</param>
internal sealed record MountInfoEntry(int Major, int Minor, string MountPoint, string FilesystemType, string Source)
{
    /// <summary>
    /// Parses the table. Fields: id, parent id, major:minor, root, mount point, options, optional fields
    /// ended by "-", then type, source, super options. Lines that do not follow it are skipped.
    /// </summary>
    internal static IReadOnlyList<MountInfoEntry> Parse(string text)
    {
        var entries = new List<MountInfoEntry>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            int dash = f.Length < 7 ? -1 : Array.IndexOf(f, "-", 6);
            if (dash < 0 || dash + 2 >= f.Length)
                continue;
            string[] dev = f[2].Split(':');
            if (dev.Length != 2 || !int.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
                || !int.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
                continue;
            entries.Add(new MountInfoEntry(major, minor, Unescape(f[4]), Unescape(f[dash + 1]), Unescape(f[dash + 2])));
        }
        return entries;
    }

    /// <summary>
    /// The file system mounted at <paramref name="mountPoint"/> as the process sees it: the last entry
    /// wins, because a later mount on the same point hides the earlier ones.
    /// </summary>
    internal static MountInfoEntry? At(IReadOnlyList<MountInfoEntry> entries, string mountPoint) =>
        entries.LastOrDefault(e => e.MountPoint == mountPoint);

    // The kernel escapes space, tab, newline and backslash as \ooo octal (seq_file's mangle).
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
            return field;
        byte[] raw = Encoding.UTF8.GetBytes(field);
        var bytes = new List<byte>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && i + 3 < raw.Length && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
            {
                bytes.Add((byte)((raw[i + 1] - '0') * 64 + (raw[i + 2] - '0') * 8 + (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(byte c) => c is >= (byte)'0' and <= (byte)'7';
}
