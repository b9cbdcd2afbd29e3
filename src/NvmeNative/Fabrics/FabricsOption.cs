using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// The option tokens of <c>/dev/nvme-fabrics</c>, in the kernel's <c>opt_tokens</c> order
/// (drivers/nvme/host/fabrics.c). <see cref="FabricsOptionTokens.Token"/> gives the kernel's spelling.
/// </summary>
public enum FabricsOption
{
    /// <summary><c>transport=%s</c></summary>
    Transport,
    /// <summary><c>traddr=%s</c></summary>
    TransportAddress,
    /// <summary><c>trsvcid=%s</c></summary>
    TransportServiceId,
    /// <summary><c>nqn=%s</c></summary>
    Nqn,
    /// <summary><c>queue_size=%d</c></summary>
    QueueSize,
    /// <summary><c>nr_io_queues=%d</c></summary>
    IoQueues,
    /// <summary><c>reconnect_delay=%d</c></summary>
    ReconnectDelay,
    /// <summary><c>ctrl_loss_tmo=%d</c></summary>
    ControllerLossTimeout,
    /// <summary><c>keep_alive_tmo=%d</c></summary>
    KeepAliveTimeout,
    /// <summary><c>hostnqn=%s</c></summary>
    HostNqn,
    /// <summary><c>host_traddr=%s</c></summary>
    HostTransportAddress,
    /// <summary><c>host_iface=%s</c></summary>
    HostInterface,
    /// <summary><c>hostid=%s</c></summary>
    HostId,
    /// <summary><c>duplicate_connect</c></summary>
    DuplicateConnect,
    /// <summary><c>disable_sqflow</c></summary>
    DisableSqFlow,
    /// <summary><c>hdr_digest</c></summary>
    HeaderDigest,
    /// <summary><c>data_digest</c></summary>
    DataDigest,
    /// <summary><c>nr_write_queues=%d</c></summary>
    WriteQueues,
    /// <summary><c>nr_poll_queues=%d</c></summary>
    PollQueues,
    /// <summary><c>tos=%d</c></summary>
    TypeOfService,
    /// <summary><c>keyring=%d</c></summary>
    Keyring,
    /// <summary><c>tls_key=%d</c></summary>
    TlsKey,
    /// <summary><c>fast_io_fail_tmo=%d</c></summary>
    FastIoFailTimeout,
    /// <summary><c>discovery</c></summary>
    Discovery,
    /// <summary><c>dhchap_secret=%s</c></summary>
    DhchapSecret,
    /// <summary><c>dhchap_ctrl_secret=%s</c></summary>
    DhchapControllerSecret,
    /// <summary><c>tls</c></summary>
    Tls,
    /// <summary><c>concat</c></summary>
    Concat,
}

/// <summary>Kernel facts about each <see cref="FabricsOption"/>: its token and which transports accept it.</summary>
public static class FabricsOptionTokens
{
    private static readonly string[] Tokens =
    [
        "transport", "traddr", "trsvcid", "nqn", "queue_size", "nr_io_queues", "reconnect_delay", "ctrl_loss_tmo",
        "keep_alive_tmo", "hostnqn", "host_traddr", "host_iface", "hostid", "duplicate_connect", "disable_sqflow",
        "hdr_digest", "data_digest", "nr_write_queues", "nr_poll_queues", "tos", "keyring", "tls_key",
        "fast_io_fail_tmo", "discovery", "dhchap_secret", "dhchap_ctrl_secret", "tls", "concat",
    ];

    // Roughly when each token appeared (nvme-fabrics.md §1.4), for "this kernel lacks X" messages.
    private static readonly string[] Since =
    [
        "4.8", "4.8", "4.8", "4.8", "4.8", "4.8", "4.8", "4.12", "4.8", "4.8", "4.10", "5.14", "4.13", "4.14", "5.0",
        "5.0", "5.0", "5.0", "5.0", "5.4", "6.7", "6.7", "5.11", "5.16", "6.0", "6.0", "6.7", "6.15",
    ];

    /// <summary>The number of options (for bit masks).</summary>
    internal const int Count = 28;

    // Kernel NVMF_ALLOWED_OPTS plus the required transport/nqn: every transport accepts these.
    private const ulong Generic =
        1UL << (int)FabricsOption.Transport | 1UL << (int)FabricsOption.Nqn | 1UL << (int)FabricsOption.QueueSize |
        1UL << (int)FabricsOption.IoQueues | 1UL << (int)FabricsOption.KeepAliveTimeout | 1UL << (int)FabricsOption.HostNqn |
        1UL << (int)FabricsOption.HostId | 1UL << (int)FabricsOption.DuplicateConnect | 1UL << (int)FabricsOption.DisableSqFlow |
        1UL << (int)FabricsOption.Discovery | 1UL << (int)FabricsOption.DhchapSecret | 1UL << (int)FabricsOption.DhchapControllerSecret;

    // fast_io_fail_tmo is generic in the kernel, but loop never reconnects, so (like libnvme) only the others get it.
    private const ulong Reconnecting =
        1UL << (int)FabricsOption.FastIoFailTimeout | 1UL << (int)FabricsOption.ReconnectDelay |
        1UL << (int)FabricsOption.ControllerLossTimeout;

    // Per transport: the transport's required_opts | allowed_opts (tcp.c, rdma.c, fc.c, target/loop.c).
    private const ulong Rdma = Generic | Reconnecting |
        1UL << (int)FabricsOption.TransportAddress | 1UL << (int)FabricsOption.TransportServiceId |
        1UL << (int)FabricsOption.HostTransportAddress | 1UL << (int)FabricsOption.WriteQueues |
        1UL << (int)FabricsOption.PollQueues | 1UL << (int)FabricsOption.TypeOfService;

    private const ulong Tcp = Rdma |
        1UL << (int)FabricsOption.HostInterface | 1UL << (int)FabricsOption.HeaderDigest | 1UL << (int)FabricsOption.DataDigest |
        1UL << (int)FabricsOption.Tls | 1UL << (int)FabricsOption.Keyring | 1UL << (int)FabricsOption.TlsKey |
        1UL << (int)FabricsOption.Concat;

    private const ulong Fc = Generic | Reconnecting |
        1UL << (int)FabricsOption.TransportAddress | 1UL << (int)FabricsOption.HostTransportAddress;

    private const ulong Loop = Generic | 1UL << (int)FabricsOption.TransportAddress;

    /// <summary>The kernel token, e.g. <c>ctrl_loss_tmo</c>.</summary>
    public static string Token(this FabricsOption option) => Tokens[(int)option];

    /// <summary>The kernel version that added the token (approximate for the older ones).</summary>
    public static string IntroducedIn(this FabricsOption option) => Since[(int)option];

    /// <summary>True when the token takes a value (<c>token=value</c>); false for flags.</summary>
    public static bool TakesValue(this FabricsOption option) => option is not (FabricsOption.DuplicateConnect or
        FabricsOption.DisableSqFlow or FabricsOption.HeaderDigest or FabricsOption.DataDigest or FabricsOption.Discovery or
        FabricsOption.Tls or FabricsOption.Concat);

    /// <summary>True when the kernel (and libnvme's conventions) accept the option on <paramref name="transport"/>.</summary>
    public static bool IsAllowedOn(this FabricsOption option, Transport transport) => (AllowedMask(transport) & (1UL << (int)option)) != 0;

    /// <summary>The option whose kernel token is <paramref name="token"/>, if there is one.</summary>
    public static bool TryParseToken(string token, out FabricsOption option)
    {
        int i = Array.IndexOf(Tokens, token);
        option = (FabricsOption)Math.Max(i, 0);
        return i >= 0;
    }

    internal static ulong AllowedMask(Transport transport) => transport switch
    {
        Transport.Tcp => Tcp,
        Transport.Rdma => Rdma,
        Transport.Fc => Fc,
        Transport.Loop => Loop,
        _ => 0,
    };
}
