using NvmeNative.Target;

namespace NvmeNative.KernelTests.Target;

/// <summary>
/// Reads the real nvmet configfs tree independently of the library (plain BCL file reads), to check what
/// the rig wrote and that disposing it put everything back.
/// </summary>
internal static class NvmetTree
{
    internal const string Root = "/sys/kernel/config/nvmet";

    internal static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative)).TrimEnd('\n');

    internal static string? LinkTarget(string relative) => new FileInfo(Path.Combine(Root, relative)).LinkTarget;

    /// <summary>
    /// Every entry under nvmet (links listed, not followed), relative, sorted; objects of OTHER test rigs
    /// (test-prefixed names other than <paramref name="ours"/>, auto-range ports) are left out so that
    /// tests running at the same time cannot disturb the comparison.
    /// </summary>
    internal static List<string> Snapshot(params string[] ours)
    {
        var entries = new List<string>();
        Walk(Root, entries);
        return entries.Where(e => !BelongsToAnotherRig(e, ours)).Order(StringComparer.Ordinal).ToList();
    }

    private static bool BelongsToAnotherRig(string entry, string[] ours)
    {
        if (entry.Contains(NvmetNames.TestNqnPrefix, StringComparison.Ordinal) && !ours.Any(o => entry.Contains(o, StringComparison.Ordinal)))
            return true;
        return entry.Split('/') is ["ports", var id, ..] && ushort.TryParse(id, out ushort port)
               && port is >= NvmetNames.AutoPortIdFirst and <= NvmetNames.AutoPortIdLast
               && !ours.Contains($"ports/{id}");
    }

    private static void Walk(string dir, List<string> entries)
    {
        foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            string relative = Path.GetRelativePath(Root, info.FullName);
            if (info.LinkTarget is not null)
            {
                entries.Add($"{relative} -> {info.LinkTarget}");
                continue;
            }
            entries.Add(relative);
            if (info is DirectoryInfo sub)
                Walk(sub.FullName, entries);
        }
    }
}
