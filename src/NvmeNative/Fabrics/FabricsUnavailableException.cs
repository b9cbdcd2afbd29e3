using NvmeNative.Errors;

namespace NvmeNative.Fabrics;

/// <summary>
/// <c>/dev/nvme-fabrics</c> cannot be used: the nvme-fabrics module is not loaded (the device node is missing;
/// it has no module alias that would load it on open), or the process lacks the privilege to open it.
/// </summary>
public sealed class FabricsUnavailableException : NvmeNativeException
{
    internal FabricsUnavailableException(string devicePath, int errno)
        : base(Describe(errno), "open", devicePath, errno)
    {
    }

    /// <summary>True when the device node is missing (the module is not loaded), as opposed to a permission problem.</summary>
    public bool ModuleMissing => Errno is NvmeNative.Errors.Errno.ENOENT or NvmeNative.Errors.Errno.ENODEV or NvmeNative.Errors.Errno.ENXIO;

    private static string Describe(int errno) => errno switch
    {
        (int)NvmeNative.Errors.Errno.ENOENT or (int)NvmeNative.Errors.Errno.ENODEV or (int)NvmeNative.Errors.Errno.ENXIO =>
            "NVMe over Fabrics is not available: the nvme-fabrics kernel module is not loaded " +
            "(run 'modprobe nvme-fabrics', or 'modprobe nvme-tcp' which loads it too)",
        (int)NvmeNative.Errors.Errno.EACCES or (int)NvmeNative.Errors.Errno.EPERM =>
            "permission denied: connecting NVMe over Fabrics controllers needs root (the device is mode 0600)",
        _ => "cannot open the NVMe over Fabrics control device: " + ErrnoText.Describe(errno),
    };
}
