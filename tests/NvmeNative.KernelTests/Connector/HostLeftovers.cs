namespace NvmeNative.KernelTests.Connector;

/// <summary>
/// What an attach or detach could leave behind on the host besides a volume's controllers: attach records, the host
/// lock held, md arrays over NVMe namespaces (running or inactive), /dev/md links and /run/mdadm/map entries. Shared
/// by the load and crash tests, which compare before and after (an earlier test's leftovers are not theirs).
/// </summary>
internal static class HostLeftovers
{
    private const string RecordDirectory = "/run/nvmenative/attached";
    private const string LockFile = "/run/lock/nvmenative/connect_volume.lock";

    /// <summary>The attach records' names (device names such as nvme3n1).</summary>
    internal static HashSet<string> Records() =>
        Directory.Exists(RecordDirectory)
            ? Directory.GetFileSystemEntries(RecordDirectory).Select(p => Path.GetFileName(p)).ToHashSet(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// Removes the attach records of namespaces of <paramref name="subsystemNqns"/> (a record holds its subsystem's NQN):
    /// a test volume whose test ended without a detach deletes its controllers itself, and must not leave records
    /// naming devices the kernel will give to another test's namespaces.
    /// </summary>
    internal static void ForgetRecordsOf(IEnumerable<string> subsystemNqns)
    {
        var nqns = subsystemNqns.ToHashSet(StringComparer.Ordinal);
        if (!Directory.Exists(RecordDirectory))
            return;
        foreach (string record in Directory.GetFiles(RecordDirectory))
        {
            try
            {
                if (nqns.Contains(File.ReadAllText(record).Trim()))
                    File.Delete(record);
            }
            catch (IOException)
            {
                // removed meanwhile
            }
        }
    }

    /// <summary>The md arrays over NVMe namespaces, running or not, as /proc/mdstat lists them ("md127 : inactive nvme1n1[0]").</summary>
    internal static HashSet<string> ArraysOverNvme() =>
        File.ReadAllText("/proc/mdstat").Split('\n')
            .Where(l => l.StartsWith("md", StringComparison.Ordinal) && l.Contains(" : ", StringComparison.Ordinal) && l.Contains("nvme", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>No process holds the host lock (a dead one's lock went with its descriptors).</summary>
    internal static void AssertLockFree() => Assert.DoesNotContain(LockFileInode() ?? "-", File.ReadAllText("/proc/locks"));

    /// <summary>Nothing of <paramref name="alias"/> is left in /dev/md (its link, a half-made replacement) or /run/mdadm/map.</summary>
    internal static void AssertNoTraceOfAlias(string alias)
    {
        if (Directory.Exists("/dev/md"))
            Assert.DoesNotContain(Directory.GetFileSystemEntries("/dev/md").Select(Path.GetFileName), n => n!.Contains(alias, StringComparison.Ordinal));
        if (File.Exists("/run/mdadm/map"))
            Assert.DoesNotContain(File.ReadAllLines("/run/mdadm/map"), l => l.EndsWith("/dev/md/" + alias, StringComparison.Ordinal));
    }

    /// <summary>The host lock file's device:inode as /proc/locks prints it, or null when there is none.</summary>
    private static string? LockFileInode()
    {
        if (!File.Exists(LockFile))
            return null;
        var st = NvmeNative.Kernel.Fd.Statx(LockFile);
        return $"{st.stx_dev_major:x2}:{st.stx_dev_minor:x2}:{st.stx_ino} ";
    }
}
