using System.Security.Cryptography;
using System.Text;

namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// Everything NvmeNative could change on a host, as text to compare byte for byte: NVMe controllers and subsystems
/// (/sys/class/nvme*, each controller's state, NQN and address), md arrays (/sys/block/md*, /proc/mdstat but its
/// bitmap page counts, their
/// state and members), the nvmet configfs tree (names, link targets, readable attributes), the /dev nodes and
/// /dev/md links, and the run-state files (/run/nvmenative, /run/lock/nvmenative, /run/mdadm, /var/lib/nvmenative:
/// path, type, mode, size, content hash).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class KernelStateSnapshot
{
    private static readonly string[] StateDirectories = ["/run/nvmenative", "/run/lock/nvmenative", "/run/mdadm", "/var/lib/nvmenative"];

    internal static string Take()
    {
        var lines = new List<string>();
        foreach (string cls in (string[])["/sys/class/nvme", "/sys/class/nvme-subsystem", "/sys/class/nvme-fabrics"])
        {
            foreach (string entry in Entries(cls))
            {
                lines.Add($"{entry} -> {new FileInfo(entry).LinkTarget}");
                foreach (string attribute in (string[])["state", "subsysnqn", "address", "transport", "cntlid", "hostnqn"])
                    lines.Add($"{entry}/{attribute} = {Read(Path.Combine(entry, attribute))}");
            }
        }
        foreach (string md in Entries("/sys/block").Where(b => Path.GetFileName(b).StartsWith("md", StringComparison.Ordinal)))
        {
            foreach (string attribute in (string[])["md/array_state", "md/level", "md/raid_disks", "md/uuid", "md/degraded", "size"])
                lines.Add($"{md}/{attribute} = {Read(Path.Combine(md, attribute))}");
            lines.Add($"{md}/slaves: {string.Join(" ", Entries(Path.Combine(md, "slaves")).Select(Path.GetFileName))}");
        }
        // The bitmap line's page counts follow md's bitmap daemon (it clears bits on its own schedule): not ours.
        lines.AddRange(Read("/proc/mdstat").Split('\n').Where(l => !l.TrimStart().StartsWith("bitmap:", StringComparison.Ordinal))
            .Select(l => "/proc/mdstat: " + l));
        Tree("/sys/kernel/config/nvmet", lines, readFiles: true);
        foreach (string node in Entries("/dev").Where(d => Path.GetFileName(d) is { } n && (n.StartsWith("nvme", StringComparison.Ordinal) || n.StartsWith("md", StringComparison.Ordinal))))
            lines.Add($"{node} {(Directory.Exists(node) ? "dir" : "node")}");
        Tree("/dev/md", lines, readFiles: false);
        foreach (string dir in StateDirectories)
            Tree(dir, lines, readFiles: true);
        return string.Join('\n', lines);
    }

    private static IEnumerable<string> Entries(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal) : [];

    private static string Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : "(none)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "(unreadable: " + e.GetType().Name + ")";
        }
    }

    /// <summary>Every entry under <paramref name="root"/> (links not followed): type, mode, size, link target or content hash.</summary>
    private static void Tree(string root, List<string> lines, bool readFiles)
    {
        if (!Directory.Exists(root) && !File.Exists(root))
        {
            lines.Add($"{root}: absent");
            return;
        }
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            string path = pending.Pop();
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                lines.Add($"{path} -> {target}");
                continue;
            }
            if (Directory.Exists(path))
            {
                lines.Add($"{path}/ {File.GetUnixFileMode(path)}");
                foreach (string entry in Entries(path).Reverse())
                    pending.Push(entry);
                continue;
            }
            string content = "";
            if (readFiles)
            {
                try
                {
                    content = " sha256 " + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(File.ReadAllText(path))));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    content = " unreadable";
                }
            }
            lines.Add($"{path} {File.GetUnixFileMode(path)} {info.Length}{content}");
        }
    }

    /// <summary>The lines of <paramref name="after"/> that differ from <paramref name="before"/>, for a failure message.</summary>
    internal static string Difference(string before, string after)
    {
        var a = before.Split('\n').ToHashSet(StringComparer.Ordinal);
        var b = after.Split('\n').ToHashSet(StringComparer.Ordinal);
        return "gone: " + string.Join(" | ", a.Except(b)) + "; new: " + string.Join(" | ", b.Except(a));
    }
}
