using System.Collections.Frozen;
using System.Text;

namespace NvmeNative.Fabrics;

/// <summary>
/// The option tokens this kernel's <c>/dev/nvme-fabrics</c> accepts. Linux 5.17+ lists them when a fresh
/// descriptor is read before any write (<c>instance=-1,cntlid=-1,transport=%s,traddr=%s,...</c>); tokens
/// compiled out (<c>tls</c>, <c>keyring</c>, <c>tls_key</c>, <c>concat</c> without CONFIG_NVME_TCP_TLS;
/// <c>dhchap_*</c> without CONFIG_NVME_HOST_AUTH) are missing. Older kernels answer the read with EINVAL; then
/// libnvme's fallback set is assumed, less the options that arrived after the running release (libnvme offers
/// <c>fast_io_fail_tmo</c> to 5.10, which rejects it with a bare EINVAL), and <see cref="IsReportedByKernel"/> is false.
/// </summary>
public sealed class SupportedFabricsOptions
{
    // libnvme's default_supported_options: what kernels before 5.17 are assumed to accept.
    private static readonly FabricsOption[] FallbackOptions =
    [
        FabricsOption.ControllerLossTimeout, FabricsOption.DataDigest, FabricsOption.DisableSqFlow, FabricsOption.Discovery,
        FabricsOption.DuplicateConnect, FabricsOption.FastIoFailTimeout, FabricsOption.HeaderDigest, FabricsOption.HostInterface,
        FabricsOption.HostTransportAddress, FabricsOption.HostId, FabricsOption.HostNqn, FabricsOption.KeepAliveTimeout,
        FabricsOption.Nqn, FabricsOption.IoQueues, FabricsOption.PollQueues, FabricsOption.WriteQueues, FabricsOption.QueueSize,
        FabricsOption.ReconnectDelay, FabricsOption.TypeOfService, FabricsOption.TransportAddress, FabricsOption.Transport,
        FabricsOption.TransportServiceId,
    ];

    private readonly ulong _mask;

    private SupportedFabricsOptions(FrozenSet<string> tokens, bool reportedByKernel, string kernelRelease)
    {
        Tokens = tokens;
        IsReportedByKernel = reportedByKernel;
        KernelRelease = kernelRelease;
        foreach (string token in tokens)
            if (FabricsOptionTokens.TryParseToken(token, out var option))
                _mask |= 1UL << (int)option;
    }

    /// <summary>Every token the kernel listed, including ones this library does not know yet (without "=%s"/"=%d").</summary>
    public IReadOnlySet<string> Tokens { get; }

    /// <summary>True when the list came from the kernel; false for the pre-5.17 fallback.</summary>
    public bool IsReportedByKernel { get; }

    /// <summary>The running kernel's release (<c>/proc/sys/kernel/osrelease</c>), for messages.</summary>
    public string KernelRelease { get; }

    /// <summary>True when the kernel accepts <paramref name="option"/>.</summary>
    public bool Supports(FabricsOption option) => (_mask & (1UL << (int)option)) != 0;

    /// <summary>Throws for the first option in <paramref name="usedMask"/> the kernel does not accept.</summary>
    /// <param name="usedMask">The options a connect would send (<see cref="FabricsOptions.UsedMask"/>).</param>
    /// <param name="devicePath">The control device, for the exception.</param>
    /// <param name="remedy">What the caller can do about a missing option (appended to the message), or null.</param>
    internal void Require(ulong usedMask, string devicePath, Func<FabricsOption, string?>? remedy = null)
    {
        ulong missing = usedMask & ~_mask;
        if (missing != 0)
        {
            var option = (FabricsOption)System.Numerics.BitOperations.TrailingZeroCount(missing);
            throw new UnsupportedFabricsOptionException(option, KernelRelease, IsReportedByKernel, devicePath, remedy?.Invoke(option));
        }
    }

    /// <summary>Parses what a fresh descriptor reads: <c>instance=-1,cntlid=-1,token=%s,flag,...\n</c>.</summary>
    internal static SupportedFabricsOptions Parse(ReadOnlySpan<byte> listing, string kernelRelease)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var range in listing.SplitAny(",\n"u8))
        {
            var field = listing[range];
            int eq = field.IndexOf((byte)'=');
            var token = eq < 0 ? field : field[..eq];
            if (token.IsEmpty || token.SequenceEqual("instance"u8) || token.SequenceEqual("cntlid"u8))
                continue;
            tokens.Add(Encoding.UTF8.GetString(token));
        }
        return new SupportedFabricsOptions(tokens.ToFrozenSet(StringComparer.Ordinal), reportedByKernel: true, kernelRelease);
    }

    /// <summary>
    /// The assumed set for kernels that cannot list their options (before 5.17): libnvme's default set less every
    /// option introduced after <paramref name="kernelRelease"/> (proven in the lab on 5.10: <c>fast_io_fail_tmo</c>,
    /// <c>host_iface</c> and <c>discovery</c> are unknown tokens there). An unparseable release keeps the whole set.
    /// </summary>
    internal static SupportedFabricsOptions Fallback(string kernelRelease)
    {
        var release = Kernel.KernelRelease.Parse(kernelRelease);
        return new(FallbackOptions.Where(o => release.IsAtLeast(o.IntroducedIn())).Select(o => o.Token()).ToFrozenSet(StringComparer.Ordinal),
            reportedByKernel: false, kernelRelease);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(IsReportedByKernel ? "" : "assumed ")}options of Linux {KernelRelease}: {string.Join(',', Tokens.Order(StringComparer.Ordinal))}";
}
