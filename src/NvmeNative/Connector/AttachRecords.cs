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

    internal bool Has(string deviceName) => File.Exists(RecordOf(deviceName));

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
