using System.Globalization;
using NvmeNative.Errors;
using NvmeNative.Kernel;
using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// What <c>nvme id-ns</c> and <c>nvme ns-rescan</c> do, without starting them: Identify Namespace sent through a
/// controller's character device (<c>/dev/nvmeN</c>) with the kernel's passthrough ioctl, and the namespace rescan
/// asked for through the controller's sysfs attribute.
/// </summary>
internal static unsafe class NvmeAdmin
{
    /// <summary>
    /// Identify Namespace (opcode 06h, CNS 00h) for <paramref name="nsid"/>, answered by the controller (the
    /// target) now, not the size the host cached: the truth to wait for after a resize.
    /// </summary>
    /// <exception cref="NvmeNativeException">The device cannot be opened, the ioctl fails, the controller
    /// answers with an NVMe status, or the answer is unusable.</exception>
    internal static NamespaceIdentity IdentifyNamespace(string controllerDevice, uint nsid)
    {
        string source = $"{controllerDevice} nsid {nsid.ToString(CultureInfo.InvariantCulture)}";
        using var fd = Fd.Open(controllerDevice, Interop.Fcntl.O_RDONLY);
        using var buffer = new AlignedBuffer(Interop.NvmeIdentify.NVME_IDENTIFY_DATA_SIZE);
        fixed (byte* data = buffer.Span)
        {
            var cmd = new Interop.NvmeIoctl.nvme_passthru_cmd
            {
                opcode = Interop.NvmeIdentify.nvme_admin_identify,
                nsid = nsid,
                addr = (ulong)data,
                data_len = (uint)buffer.Length,
                cdw10 = Interop.NvmeIdentify.NVME_ID_CNS_NS,
            };
            // The ioctl returns a negative errno when the command could not be sent, and the NVMe status
            // (positive) when the controller completed it with an error.
            int status = Fd.Ioctl(fd, Interop.NvmeIoctl.NVME_IOCTL_ADMIN_CMD, ref cmd, "NVME_IOCTL_ADMIN_CMD (Identify Namespace)", controllerDevice);
            if (status != 0)
                throw new NvmeNativeException($"Identify Namespace for nsid {nsid} failed with NVMe status 0x{status:x}", "identify namespace", controllerDevice);
        }
        return NamespaceIdentity.Parse(buffer.Span, source);
    }

    /// <summary>
    /// Asks the controller's driver to scan its namespaces again (re-reading each one's Identify data, so a new size
    /// is applied, and finding namespaces it was not told of), through the controller's <c>rescan_controller</c> sysfs
    /// attribute: the kernel runs the same scan for it as for <c>nvme ns-rescan</c>'s NVME_IOCTL_RESCAN
    /// (nvme_queue_scan), and sysfs needs no device node. Asynchronous: the kernel queues the scan and returns.
    /// Returns the errno, 0 on success (callers decide whether a controller that went away matters).
    /// </summary>
    internal static int TryRescan(KernelPaths paths, string controllerName)
    {
        try
        {
            SysfsFile.Write(RescanAttribute(paths, controllerName), "1");
            return 0;
        }
        catch (NvmeNativeException e)
        {
            return e.ErrnoValue ?? (int)Errno.EIO;
        }
    }

    /// <summary>
    /// <see cref="TryRescan"/> on a controller the caller is about to use: a failed rescan is an error, but a controller
    /// that went away (its sysfs directory gone) is left for the caller's namespace wait to report.
    /// </summary>
    internal static void RescanIfPresent(KernelPaths paths, string controllerName)
    {
        int errno = TryRescan(paths, controllerName);
        if (errno is not (0 or (int)Errno.ENOENT or (int)Errno.ENODEV or (int)Errno.ENXIO))
            throw new NvmeNativeException("cannot ask the controller to rescan its namespaces", "rescan", RescanAttribute(paths, controllerName), errno: errno);
    }

    private static string RescanAttribute(KernelPaths paths, string controllerName) =>
        paths.SysPath(Path.Combine("class", "nvme", controllerName, "rescan_controller"));
}
