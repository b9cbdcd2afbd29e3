using System.Globalization;
using NvmeNative.Errors;
using NvmeNative.Kernel;

namespace NvmeNative.Target;

public sealed partial class NvmetTarget
{
    /// <summary>
    /// Removes what crashed runs left in nvmet: subsystems whose NQN starts with <paramref name="nqnPrefix"/>
    /// (their port links, allowed-host links and namespaces first), hosts with that prefix that no
    /// subsystem uses, ports in the rig's automatic id range that no longer export anything, and backing
    /// files named <see cref="NvmetNames.BackingFilePrefix"/>* that a removed namespace used. Anything else is
    /// left alone. Run it when no rig of this prefix is active (e.g. at the start of a test run): a live rig's
    /// port between its creation and its first link looks exactly like a leftover.
    /// </summary>
    /// <param name="paths">Kernel roots; null for the real host.</param>
    /// <param name="nqnPrefix">At least 8 characters, so that a slip cannot sweep every subsystem.</param>
    public static NvmetLeftoversReport RemoveLeftovers(KernelPaths? paths = null, string nqnPrefix = NvmetNames.TestNqnPrefix) =>
        SweepLeftovers(paths ?? KernelPaths.Host, nqnPrefix, LiveConfigFs.Instance);

    internal static NvmetLeftoversReport SweepLeftovers(KernelPaths paths, string nqnPrefix, IConfigFs fs)
    {
        ArgumentNullException.ThrowIfNull(nqnPrefix);
        if (nqnPrefix.Length < 8)
            throw new NvmetConfigException("a prefix shorter than 8 characters could match subsystems that are not ours", "remove nvmet leftovers", nameof(nqnPrefix));
        string root = Path.Combine(paths.Config, "nvmet");
        var removed = new List<string>();
        var failures = new List<NvmeNativeException>();
        bool Ours(string path) => Path.GetFileName(path).StartsWith(nqnPrefix, StringComparison.Ordinal);

        void Unlink(string link, string operation)
        {
            int errno = fs.TryUnlink(link);
            if (errno == 0)
                removed.Add(link);
            else if (errno != (int)Errno.ENOENT)
                failures.Add(NvmetErrors.Syscall(errno, operation, link));
        }

        bool Rmdir(string dir, string operation)
        {
            int errno = fs.TryRemoveDirectory(dir);
            if (errno == 0)
                removed.Add(dir);
            else if (errno != (int)Errno.ENOENT)
                failures.Add(NvmetErrors.Syscall(errno, operation, dir));
            return errno is 0 or (int)Errno.ENOENT;
        }

        string portsDir = Path.Combine(root, NvmetAttributes.Ports);
        string subsystemsDir = Path.Combine(root, NvmetAttributes.Subsystems);
        string hostsDir = Path.Combine(root, NvmetAttributes.Hosts);

        foreach (string port in Children(portsDir))
        {
            foreach (string link in Children(Path.Combine(port, NvmetAttributes.Subsystems)).Where(Ours))
                Unlink(link, "unlink (unlink subsystem from port)");
        }

        foreach (string subsystem in Children(subsystemsDir).Where(Ours))
        {
            foreach (string link in Children(Path.Combine(subsystem, NvmetAttributes.AllowedHosts)))
                Unlink(link, "unlink (disallow host)");
            foreach (string ns in Children(Path.Combine(subsystem, NvmetAttributes.Namespaces)))
            {
                string? device = fs.ReadAttribute(Path.Combine(ns, NvmetAttributes.DevicePath));
                try
                {
                    fs.WriteAttribute(Path.Combine(ns, NvmetAttributes.Enable), "0");
                }
                catch (NvmeNativeException e) when (e.Errno is not NvmeNative.Errors.Errno.ENOENT)
                {
                    failures.Add(e);
                }
                catch (NvmeNativeException)
                {
                    // already gone
                }
                if (Rmdir(ns, "rmdir (remove namespace)") && IsOurBackingFile(device))
                {
                    int errno = BackingFile.TryDelete(device!);
                    if (errno == 0)
                        removed.Add(device!);
                    else if (errno != (int)Errno.ENOENT)
                        failures.Add(NvmetErrors.Syscall(errno, "unlink (delete backing file)", device!));
                }
            }
            Rmdir(subsystem, "rmdir (remove subsystem)");
        }

        foreach (string port in Children(portsDir))
        {
            bool auto = ushort.TryParse(Path.GetFileName(port), NumberStyles.None, CultureInfo.InvariantCulture, out ushort id)
                        && id is >= NvmetNames.AutoPortIdFirst and <= NvmetNames.AutoPortIdLast;
            if (auto && !Children(Path.Combine(port, NvmetAttributes.Subsystems)).Any())
                Rmdir(port, "rmdir (remove port)");
        }

        foreach (string host in Children(hostsDir).Where(Ours))
        {
            string name = Path.GetFileName(host);
            bool used = Children(subsystemsDir).Any(s => Path.Exists(Path.Combine(s, NvmetAttributes.AllowedHosts, name)));
            if (!used)
                Rmdir(host, "rmdir (remove host)");
        }
        return new NvmetLeftoversReport(removed, failures);
    }

    private static bool IsOurBackingFile(string? device) =>
        !string.IsNullOrEmpty(device)
        && Path.GetFileName(device).StartsWith(NvmetNames.BackingFilePrefix, StringComparison.Ordinal)
        && File.Exists(device);

    /// <summary>Entries of a configfs directory (items and links); none when it does not exist.</summary>
    private static IEnumerable<string> Children(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir).ToList() : [];
}
