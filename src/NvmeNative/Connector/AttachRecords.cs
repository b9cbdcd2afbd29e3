using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Connector;

/// <summary>
/// Which namespaces this host attached through NvmeNative: one small file per attached device under
/// <c>&lt;Run&gt;/nvmenative/attached/</c> (tmpfs, so a reboot forgets them along with the controllers).
/// Detach uses it to tell a namespace that another volume is using from one the target merely still exports:
/// a controller is deleted only when none of its other namespaces is in use. A record names the subsystem it was made
/// for: the kernel reuses device names, so a record left by an attach whose controller is gone (a crash, a target
/// torn down without a detach) counts only while the device of that name still belongs to that subsystem.
/// </summary>
internal sealed class AttachRecords(KernelPaths paths)
{
    private readonly KernelPaths _paths = paths;

    private string RecordDirectory => Path.Combine(_paths.Run, "nvmenative", "attached");

    private string RecordOf(string deviceName) => Path.Combine(RecordDirectory, deviceName);

    /// <summary>
    /// Records an attached device, atomically in a root-only directory (never through a link): these files decide
    /// which controllers a detach deletes, so nobody else may plant or change one.
    /// </summary>
    internal void Add(string deviceName, Nqn subsystem)
    {
        SecureDirectory.EnsurePrivate(RecordDirectory);
        DurableFile.Replace(RecordDirectory, deviceName, System.Text.Encoding.UTF8.GetBytes(subsystem.Value));
    }

    /// <summary>
    /// True when <paramref name="deviceName"/> was attached through NvmeNative: its record names the subsystem the device
    /// belongs to now. A record naming another subsystem (or a device that is gone) is stale, left for a controller that
    /// no longer exists, and is removed (the caller holds the host lock, as every user of the records does).
    /// </summary>
    internal bool Has(string deviceName)
    {
        if (!IsPlainName(deviceName) || SysfsFile.TryRead(RecordOf(deviceName))?.Trim() is not { } recorded)
            return false;
        if (string.Equals(recorded, CurrentSubsystemNqn(deviceName), StringComparison.Ordinal))
            return true;
        Remove(deviceName);
        return false;
    }

    /// <summary>
    /// The NQN of the subsystem <paramref name="deviceName"/> belongs to now, or null when there is no such device:
    /// /sys/block/NAME links to the namespace's directory under its subsystem (a multipath head) or its controller (a
    /// namespace without multipath), and both report <c>subsysnqn</c>.
    /// </summary>
    private string? CurrentSubsystemNqn(string deviceName)
    {
        FileSystemInfo? target;
        try
        {
            target = new FileInfo(Path.Combine(_paths.Sys, "block", deviceName)).ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException)
        {
            return null; // no such device (now)
        }
        return target is null ? null : SysfsFile.TryRead(Path.Combine(Path.GetDirectoryName(target.FullName)!, "subsysnqn"))?.Trim();
    }

    /// <summary>Forgets the record; none (not even the directory, on a host that never attached) is not an error.</summary>
    internal void Remove(string deviceName)
    {
        if (IsPlainName(deviceName))
            DurableFile.Remove(RecordDirectory, deviceName);
    }

    // A device name from a caller's path ("/dev/" gives "") names no record.
    private static bool IsPlainName(string name) => name.Length > 0 && name is not ("." or "..") && !name.Contains('/') && !name.Contains('\0');

    /// <summary>
    /// True when the namespace device is in use: attached through NvmeNative (recorded), or in use by anything
    /// else on the host (a holder such as md or dm, or an exclusive claim such as a mount; see <see cref="BlockDevices.IsInUse"/>).
    /// </summary>
    internal bool IsInUse(string deviceName, string devicePath) =>
        Has(deviceName) || BlockDevices.IsInUse(_paths, deviceName, devicePath);
}
