using NvmeNative.Errors;

namespace NvmeNative.Target;

public sealed partial class NvmetTarget
{
    // hosts/HOSTNQN directories this rig made (a host directory that already existed is shared, never removed).
    private readonly List<string> _createdHosts = [];

    internal void LinkPort(NvmetPort port, NvmetSubsystem subsystem)
    {
        CheckOwns(subsystem);
        lock (_gate)
        {
            ThrowIfDisposed();
            string link = Path.Combine(port.ConfigPath, NvmetAttributes.Subsystems, subsystem.Nqn);
            int errno = ConfigFs.TrySymlink(subsystem.ConfigPath, link);
            if (errno is not (0 or (int)Errno.EEXIST))
            {
                throw NvmetErrors.Syscall(errno, "symlink (link subsystem to port)", link, errno switch
                {
                    (int)Errno.EADDRINUSE => $"something else already listens on {port.TrAddr}:{port.TrSvcId}",
                    (int)Errno.EADDRNOTAVAIL => $"{port.TrAddr} is not an address of this host (is its interface up?)",
                    (int)Errno.EINVAL => "nvmet could not enable the port (is nvmet-tcp loaded? are the address attributes valid?)",
                    _ => null,
                });
            }
            if (!port.LinkedList.Contains(subsystem))
                port.LinkedList.Add(subsystem);
        }
    }

    internal void UnlinkPort(NvmetPort port, NvmetSubsystem subsystem)
    {
        CheckOwns(subsystem);
        lock (_gate)
        {
            ThrowIfDisposed();
            string link = Path.Combine(port.ConfigPath, NvmetAttributes.Subsystems, subsystem.Nqn);
            int errno = ConfigFs.TryUnlink(link);
            if (errno is not (0 or (int)Errno.ENOENT))
                throw NvmetErrors.Syscall(errno, "unlink (unlink subsystem from port)", link);
            port.LinkedList.Remove(subsystem);
        }
    }

    internal void AllowHost(NvmetSubsystem subsystem, string hostNqn)
    {
        const string op = "allow host on nvmet subsystem";
        CheckOwns(subsystem);
        NvmetNames.ValidateNqn(hostNqn, op, nameof(hostNqn));
        lock (_gate)
        {
            ThrowIfDisposed();
            string hostDir = Path.Combine(NvmetRoot, NvmetAttributes.Hosts, hostNqn);
            int errno = ConfigFs.TryMakeDirectory(hostDir);
            if (errno is not (0 or (int)Errno.EEXIST))
                throw NvmetErrors.Syscall(errno, "mkdir (create host)", hostDir, NvmetErrors.MissingRoot(errno, NvmetRoot));
            bool createdHost = errno == 0;
            if (createdHost)
                _createdHosts.Add(hostDir);

            string allowAny = Path.Combine(subsystem.ConfigPath, NvmetAttributes.AllowAnyHost);
            string? previous = ConfigFs.ReadAttribute(allowAny);
            string link = Path.Combine(subsystem.ConfigPath, NvmetAttributes.AllowedHosts, hostNqn);
            try
            {
                // nvmet refuses allowed_hosts links while any host is allowed.
                WriteAttribute(subsystem.ConfigPath, NvmetAttributes.AllowAnyHost, "0");
                errno = ConfigFs.TrySymlink(hostDir, link);
                if (errno is not (0 or (int)Errno.EEXIST))
                    throw NvmetErrors.Syscall(errno, "symlink (allow host)", link);
            }
            catch
            {
                if (previous is "1" && subsystem.AllowedHostList.Count == 0)
                    TryRestore(allowAny, previous);
                if (createdHost && RemoveDirectory(hostDir) == 0)
                    _createdHosts.Remove(hostDir);
                throw;
            }
            if (!subsystem.AllowedHostList.Contains(hostNqn))
                subsystem.AllowedHostList.Add(hostNqn);
        }
    }

    internal void DisallowHost(NvmetSubsystem subsystem, string hostNqn)
    {
        CheckOwns(subsystem);
        NvmetNames.ValidateNqn(hostNqn, "disallow host on nvmet subsystem", nameof(hostNqn));
        lock (_gate)
        {
            ThrowIfDisposed();
            string link = Path.Combine(subsystem.ConfigPath, NvmetAttributes.AllowedHosts, hostNqn);
            int errno = ConfigFs.TryUnlink(link);
            if (errno is not (0 or (int)Errno.ENOENT))
                throw NvmetErrors.Syscall(errno, "unlink (disallow host)", link);
            subsystem.AllowedHostList.Remove(hostNqn);
        }
    }

    private void TryRestore(string attribute, string value)
    {
        try
        {
            ConfigFs.WriteAttribute(attribute, value);
        }
        catch (NvmeNativeException)
        {
            // best effort: the original failure is the one worth reporting
        }
    }

    /// <summary>Whether any subsystem's allowed_hosts still links to <paramref name="hostNqn"/>.</summary>
    private bool HostStillReferenced(string hostNqn)
    {
        string subsystems = Path.Combine(NvmetRoot, NvmetAttributes.Subsystems);
        if (!Directory.Exists(subsystems))
            return false;
        return Directory.EnumerateDirectories(subsystems)
            .Any(s => new FileInfo(Path.Combine(s, NvmetAttributes.AllowedHosts, hostNqn)).LinkTarget is not null);
    }
}
