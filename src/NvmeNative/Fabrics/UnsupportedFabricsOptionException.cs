using NvmeNative.Errors;

namespace NvmeNative.Fabrics;

/// <summary>
/// A connect would use an option token the running kernel does not accept (it would answer with a bare EINVAL
/// and log the reason only to dmesg). Thrown before anything is written to <c>/dev/nvme-fabrics</c>.
/// </summary>
public sealed class UnsupportedFabricsOptionException : NvmeNativeException
{
    internal UnsupportedFabricsOptionException(FabricsOption option, string kernelRelease, bool listedByKernel, string devicePath,
        string? remedy = null)
        : base(Describe(option, kernelRelease, listedByKernel) + (remedy is null ? "" : "; " + remedy), "connect", devicePath)
    {
        Option = option;
        KernelRelease = kernelRelease;
    }

    /// <summary>The option the kernel lacks.</summary>
    public FabricsOption Option { get; }

    /// <summary>The kernel's token for it, e.g. <c>tls</c>.</summary>
    public string Token => Option.Token();

    /// <summary>The running kernel's release.</summary>
    public string KernelRelease { get; }

    private static string Describe(FabricsOption option, string release, bool listed) =>
        $"the option '{option.Token()}' is not supported by this kernel (Linux {release}); " +
        (listed
            ? $"/dev/nvme-fabrics does not list it (it appeared in about Linux {option.IntroducedIn()}, and some options also need a kernel config such as CONFIG_NVME_TCP_TLS or CONFIG_NVME_HOST_AUTH)"
            : $"this kernel is older than 5.17 and cannot list its options; '{option.Token()}' arrived in about Linux {option.IntroducedIn()}" +
              (Kernel.KernelRelease.Parse(release).IsAtLeast(option.IntroducedIn()) ? ", but it is not among the options libnvme assumes for such kernels" : ""));
}
