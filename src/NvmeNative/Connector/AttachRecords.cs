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

    internal void Add(string deviceName, Nqn subsystem)
    {
        Directory.CreateDirectory(RecordDirectory);
        File.WriteAllText(RecordOf(deviceName), subsystem.Value);
    }

    internal bool Has(string deviceName) => File.Exists(RecordOf(deviceName));

    /// <summary>Forgets the record; none (not even the directory, on a host that never attached) is not an error.</summary>
    internal void Remove(string deviceName)
    {
        if (Directory.Exists(RecordDirectory))
            File.Delete(RecordOf(deviceName));
    }

    /// <summary>
    /// True when the namespace device is in use: attached through NvmeNative (recorded), or in use by anything
    /// else on the host (a holder such as md or dm, or an exclusive claim such as a mount; see <see cref="BlockDevices.IsInUse"/>).
    /// </summary>
    internal bool IsInUse(string deviceName, string devicePath) =>
        Has(deviceName) || BlockDevices.IsInUse(_paths, deviceName, devicePath);
}
