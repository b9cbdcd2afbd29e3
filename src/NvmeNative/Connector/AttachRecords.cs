using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// Which namespaces this host attached through NvmeNative: one small file per attached device under
/// <c>&lt;Run&gt;/nvmenative/attached/</c> (tmpfs, so a reboot forgets them along with the controllers).
/// Detach uses it to tell a namespace that another volume is using from one the target merely still exports:
/// a controller is deleted only when none of its other namespaces is in use.
/// </summary>
internal sealed class AttachRecords(KernelPaths paths)
{
    private string Directory_ => Path.Combine(paths.Run, "nvmenative", "attached");

    internal void Add(string deviceName, Nqn subsystem)
    {
        Directory.CreateDirectory(Directory_);
        File.WriteAllText(Path.Combine(Directory_, deviceName), subsystem.Value);
    }

    internal bool Has(string deviceName) => File.Exists(Path.Combine(Directory_, deviceName));

    internal void Remove(string deviceName) => File.Delete(Path.Combine(Directory_, deviceName));

    /// <summary>
    /// True when the namespace device is in use: attached through NvmeNative (recorded), held by a stacked
    /// device (md, dm: sysfs <c>holders/</c>), or claimed exclusively (mounted, or opened with O_EXCL, which
    /// makes our own O_EXCL open fail with EBUSY).
    /// </summary>
    internal bool IsInUse(string deviceName, string devicePath)
    {
        if (File.Exists(Path.Combine(Directory_, deviceName)))
            return true;
        string holders = paths.SysPath($"class/block/{deviceName}/holders");
        if (Directory.Exists(holders) && Directory.EnumerateFileSystemEntries(holders).Any())
            return true;
        using var probe = Fd.TryOpen(devicePath, Interop.Fcntl.O_RDONLY | Interop.Fcntl.O_EXCL, out int errno);
        return probe is null && errno == (int)Errno.EBUSY;
    }
}
