using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Md;

/// <summary>
/// Picks a free md device and creates it through <c>/sys/module/md_mod/parameters/new_array</c>, as mdadm's
/// <c>create_mddev</c> does: minors are tried in mdadm's order (127 down to 0, then 511 down to 129), so arrays
/// we create get the names mdadm would give them. A minor counts as taken when /proc/mdstat lists it (mdadm's
/// test) or /sys/block has it (stricter: an md device someone has just allocated but not configured yet is
/// not ours to take). The kernel has the last word: new_array fails with EEXIST if the minor exists, and we
/// move on to the next one.
/// </summary>
internal sealed class MdDeviceAllocator(MdPaths paths)
{
    /// <summary>mdadm's find_free_devnm order.</summary>
    internal static IEnumerable<int> CandidateMinors()
    {
        for (int minor = 127; minor >= 0; minor--)
            yield return minor;
        for (int minor = MdDeviceName.MaxMinor; minor > 128; minor--)
            yield return minor;
    }

    /// <summary>The md devices /proc/mdstat lists (first word of each "mdN : ..." line).</summary>
    internal static IEnumerable<string> NamesInMdStat(string mdstat)
    {
        foreach (var line in mdstat.Split('\n'))
        {
            int colon = line.IndexOf(" : ", StringComparison.Ordinal);
            if (colon > 0 && line.StartsWith("md", StringComparison.Ordinal))
                yield return line[..colon].Trim();
        }
    }

    /// <summary>Allocates a new, empty md device; the caller must configure it or stop it (which frees it).</summary>
    internal MdDeviceName Allocate()
    {
        if (!File.Exists(paths.NewArray))
            throw new MdException("md is not available: md_mod is not loaded (no new_array parameter)", "allocate md device",
                errno: (int)Errno.ENOENT);
        var busy = new HashSet<string>(NamesInMdStat(File.Exists(paths.MdStat) ? File.ReadAllText(paths.MdStat) : ""));
        foreach (int minor in CandidateMinors())
        {
            var name = MdDeviceName.FromMinor(minor);
            if (busy.Contains(name.Value) || Directory.Exists(paths.SysDevice(name)))
                continue;
            if (TryCreate(name, out int errno))
                return name;
            if (errno != (int)Errno.EEXIST)
                throw new MdException($"cannot create {name}", $"write {name} to new_array", paths.Node(name), errno: errno);
        }
        throw new MdException("no free md minor (0..511 are all in use)", "allocate md device", errno: (int)Errno.ENOSPC);
    }

    private bool TryCreate(MdDeviceName name, out int errno)
    {
        try
        {
            SysfsFile.Write(paths.NewArray, name.Value);
            errno = 0;
            return true;
        }
        catch (NvmeNativeException e) when (e.ErrnoValue is int err)
        {
            errno = err;
            return false;
        }
    }
}
