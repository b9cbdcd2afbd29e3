using NvmeNative.Errors;

namespace NvmeNative.Target;

public sealed partial class NvmetTarget
{
    /// <summary>
    /// Removes what the rig made, by kind, in the order configfs needs: a subsystem cannot be removed
    /// while ports link to it or it has namespaces or allowed-host links; a port not while it has links;
    /// a backing file is only deleted after nvmet let go of it. Within a kind, newest first.
    /// Every step runs even when an earlier one failed; "already gone" (ENOENT) is success.
    /// </summary>
    private List<NvmeNativeException> TearDown()
    {
        var failures = new List<NvmeNativeException>();

        foreach (var port in Enumerable.Reverse(_ports))
        {
            foreach (var subsystem in Enumerable.Reverse(port.LinkedList.ToList()))
            {
                string link = Path.Combine(port.ConfigPath, NvmetAttributes.Subsystems, subsystem.Nqn);
                if (Unlinked(link, "unlink (unlink subsystem from port)", failures))
                    port.LinkedList.Remove(subsystem);
            }
        }

        foreach (var subsystem in Enumerable.Reverse(_subsystems))
        {
            foreach (var host in Enumerable.Reverse(subsystem.AllowedHostList.ToList()))
            {
                string link = Path.Combine(subsystem.ConfigPath, NvmetAttributes.AllowedHosts, host);
                if (Unlinked(link, "unlink (disallow host)", failures))
                    subsystem.AllowedHostList.Remove(host);
            }
        }

        foreach (var subsystem in Enumerable.Reverse(_subsystems))
        {
            foreach (var ns in Enumerable.Reverse(subsystem.NamespaceList.ToList()))
            {
                int before = failures.Count;
                DestroyNamespace(ns, failures);
                if (failures.Count == before)
                    subsystem.NamespaceList.Remove(ns);
            }
        }

        foreach (var subsystem in Enumerable.Reverse(_subsystems.ToList()))
        {
            if (Removed(subsystem.ConfigPath, "rmdir (remove subsystem)", failures))
                _subsystems.Remove(subsystem);
        }

        foreach (var port in Enumerable.Reverse(_ports.ToList()))
        {
            if (Removed(port.ConfigPath, "rmdir (remove port)", failures))
                _ports.Remove(port);
        }

        foreach (var hostDir in Enumerable.Reverse(_createdHosts.ToList()))
        {
            // Another rig (or the user) may have allowed the same host meanwhile: leave it to them.
            if (HostStillReferenced(Path.GetFileName(hostDir)) || Removed(hostDir, "rmdir (remove host)", failures))
                _createdHosts.Remove(hostDir);
        }
        return failures;
    }

    private bool Unlinked(string link, string operation, List<NvmeNativeException> failures)
    {
        int errno = ConfigFs.TryUnlink(link);
        if (errno is 0 or (int)Errno.ENOENT)
            return true;
        failures.Add(NvmetErrors.Syscall(errno, operation, link));
        return false;
    }

    private bool Removed(string dir, string operation, List<NvmeNativeException> failures)
    {
        int errno = RemoveDirectory(dir);
        if (errno == 0)
            return true;
        failures.Add(NvmetErrors.Syscall(errno, operation, dir));
        return false;
    }
}
