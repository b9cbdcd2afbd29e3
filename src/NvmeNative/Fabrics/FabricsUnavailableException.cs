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
    public bool ModuleMissing => Errno is NvmeNative.Errno.ENOENT or NvmeNative.Errno.ENODEV or NvmeNative.Errno.ENXIO;

    private static string Describe(int errno) => errno switch
    {
        (int)NvmeNative.Errno.ENOENT or (int)NvmeNative.Errno.ENODEV or (int)NvmeNative.Errno.ENXIO =>
            "NVMe over Fabrics is not available: the nvme-fabrics kernel module is not loaded " +
            "(run 'modprobe nvme-fabrics', or 'modprobe nvme-tcp' which loads it too)",
        (int)NvmeNative.Errno.EACCES or (int)NvmeNative.Errno.EPERM =>
            "permission denied: connecting NVMe over Fabrics controllers needs root (the device is mode 0600)",
        _ => "cannot open the NVMe over Fabrics control device: " + ErrnoText.Describe(errno),
    };
}
