using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>
/// Everything one connect writes to <c>/dev/nvme-fabrics</c>, typed and range-checked as the kernel checks it
/// (drivers/nvme/host/fabrics.c <c>nvmf_parse_options</c>). Values are checked when set; rules that involve
/// several options or the transport are checked by <see cref="Validate"/> (the connector calls it). Defaults
/// follow os-brick: <c>queue_size=128</c> and <c>ctrl_loss_tmo=-1</c> (reconnect forever, os-brick bug
/// #1964385); everything else is left to the kernel unless set. <see cref="ToString"/> is the option string
/// with DH-HMAC-CHAP secrets masked.
/// </summary>
public sealed record FabricsOptions
{
    internal const string Operation = "validate fabrics options";
    internal const int MaxLength = 4096; // nvmf_dev_write refuses more than PAGE_SIZE with ENOMEM

    /// <summary>os-brick's queue size (<c>nvme connect -Q 128</c>), also the kernel's default.</summary>
    public const int DefaultQueueSize = 128;

    private readonly bool _controllerLossTimeoutSet;
    private readonly TimeSpan? _controllerLossTimeout;

    /// <summary>The transport (<c>transport=</c>).</summary>
    public required Transport Transport { get; init; }

    /// <summary>The subsystem to connect to (<c>nqn=</c>).</summary>
    public required Nqn SubsystemNqn { get; init => field = value ?? throw new ArgumentNullException(nameof(SubsystemNqn)); }

    /// <summary>The host identity (<c>hostnqn=</c> and <c>hostid=</c>, always sent together).</summary>
    public required HostIdentity Host { get; init => field = value ?? throw new ArgumentNullException(nameof(Host)); }

    /// <summary>
    /// <c>traddr=</c>: a numeric IPv4/IPv6 address for tcp and rdma (the kernel does not resolve names),
    /// <c>nn-0x...:pn-0x...</c> for fc, the nvmet port's address for loop. Required except for loop.
    /// </summary>
    public string? TransportAddress { get; init => field = CheckText(value, FabricsOption.TransportAddress); }

    /// <summary><c>trsvcid=</c>, the TCP/RDMA port. Required for tcp: without it the kernel uses the discovery port 8009.</summary>
    public ushort? Port { get; init => field = value == 0 ? throw Invalid(FabricsOption.TransportServiceId, "port 0 is not a port") : value; }

    /// <summary><c>host_traddr=</c>: the local address to connect from (tcp/rdma: numeric IP; fc: required, <c>nn-0x...:pn-0x...</c>).</summary>
    public string? HostTransportAddress { get; init => field = CheckText(value, FabricsOption.HostTransportAddress); }

    /// <summary><c>host_iface=</c>: the network interface to connect through (tcp only; ENODEV if it does not exist).</summary>
    public string? HostInterface
    {
        get;
        init => field = value is null || NetworkAddress.IsInterfaceName(value)
            ? value
            : throw Invalid(FabricsOption.HostInterface, $"{InputText.Quote(value)} is not a network interface name (1-15 characters, no '/', ':' or whitespace)");
    }

    /// <summary><c>queue_size=</c>: 16..1024 entries per I/O queue. Default 128; null leaves it to the kernel.</summary>
    public int? QueueSize { get; init => field = CheckRange(value, 16, 1024, FabricsOption.QueueSize); } = DefaultQueueSize;

    /// <summary><c>nr_io_queues=</c>: at least 1 (the kernel caps it at the number of CPUs, its default). Each queue is a connection set up in sequence, so fewer queues connect faster.</summary>
    public int? IoQueues { get; init => field = CheckRange(value, 1, int.MaxValue, FabricsOption.IoQueues); }

    /// <summary><c>nr_write_queues=</c>: at least 1 (tcp, rdma).</summary>
    public int? WriteQueues { get; init => field = CheckRange(value, 1, int.MaxValue, FabricsOption.WriteQueues); }

    /// <summary><c>nr_poll_queues=</c>: at least 1 (tcp, rdma).</summary>
    public int? PollQueues { get; init => field = CheckRange(value, 1, int.MaxValue, FabricsOption.PollQueues); }

    /// <summary><c>keep_alive_tmo=</c>: whole seconds, 0 or more (0 disables keep-alive; the kernel default is 5 s).</summary>
    public TimeSpan? KeepAliveTimeout { get; init => field = CheckSeconds(value, 0, FabricsOption.KeepAliveTimeout); }

    /// <summary><c>reconnect_delay=</c>: whole seconds, at least 1 (kernel default 10 s). Not for loop.</summary>
    public TimeSpan? ReconnectDelay { get; init => field = CheckSeconds(value, 1, FabricsOption.ReconnectDelay); }

    /// <summary>
    /// <c>ctrl_loss_tmo=</c>: how long to keep reconnecting before the controller is removed; whole seconds, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for forever (sent as -1). Defaults to forever, as os-brick does,
    /// except on loop, which does not accept it. Null leaves it to the kernel (600 s).
    /// </summary>
    public TimeSpan? ControllerLossTimeout
    {
        get => _controllerLossTimeoutSet ? _controllerLossTimeout : Transport == Transport.Loop ? null : Timeout.InfiniteTimeSpan;
        init
        {
            _controllerLossTimeout = value == Timeout.InfiniteTimeSpan ? value : CheckSeconds(value, 0, FabricsOption.ControllerLossTimeout);
            _controllerLossTimeoutSet = true;
        }
    }

    /// <summary><c>fast_io_fail_tmo=</c>: whole seconds, 0 or more, after which I/O fails while reconnecting (kernel default: never). Not for loop.</summary>
    public TimeSpan? FastIoFailTimeout { get; init => field = CheckSeconds(value, 0, FabricsOption.FastIoFailTimeout); }

    /// <summary><c>tos=</c>: the IP type of service, 0..255 (tcp, rdma). The kernel would clamp larger values; they are refused here.</summary>
    public int? TypeOfService { get; init => field = CheckRange(value, 0, 255, FabricsOption.TypeOfService); }

    /// <summary><c>duplicate_connect</c>: create a controller even when a live one to the same target exists (otherwise EALREADY).</summary>
    public bool DuplicateConnect { get; init; }

    /// <summary><c>disable_sqflow</c>: ask the target to disable submission queue flow control.</summary>
    public bool DisableSqFlow { get; init; }

    /// <summary><c>hdr_digest</c>: CRC32C PDU header digests (tcp).</summary>
    public bool HeaderDigest { get; init; }

    /// <summary><c>data_digest</c>: CRC32C PDU data digests (tcp).</summary>
    public bool DataDigest { get; init; }

    /// <summary><c>discovery</c>: connect as a discovery controller (a subsystem with a unique discovery NQN).</summary>
    public bool Discovery { get; init; }

    /// <summary><c>dhchap_secret=</c>: the host's DH-HMAC-CHAP secret (kernel with CONFIG_NVME_HOST_AUTH).</summary>
    public DhchapSecret? DhchapSecret { get; init; }

    /// <summary><c>dhchap_ctrl_secret=</c>: the controller's secret, for bidirectional authentication; needs <see cref="DhchapSecret"/>.</summary>
    public DhchapSecret? DhchapControllerSecret { get; init; }

    /// <summary><c>tls</c>: TLS 1.3 through the tlshd daemon (tcp; kernel with CONFIG_NVME_TCP_TLS, 6.7+).</summary>
    public bool Tls { get; init; }

    /// <summary><c>keyring=</c>: serial of the keyring holding the TLS PSKs (at least 1); needs <see cref="Tls"/> or <see cref="Concat"/>.</summary>
    public int? Keyring { get; init => field = CheckRange(value, 1, int.MaxValue, FabricsOption.Keyring); }

    /// <summary><c>tls_key=</c>: serial of the TLS PSK to use (at least 1); needs <see cref="Tls"/>.</summary>
    public int? TlsKey { get; init => field = CheckRange(value, 1, int.MaxValue, FabricsOption.TlsKey); }

    /// <summary><c>concat</c>: secure channel concatenation (tcp, 6.15+); needs <see cref="DhchapSecret"/>, excludes <see cref="Tls"/> and <see cref="TlsKey"/>.</summary>
    public bool Concat { get; init; }

    /// <summary>
    /// Options for an I/O controller at a network portal, with os-brick's defaults. The portal must carry a
    /// numeric address: resolve host names first (the kernel cannot).
    /// </summary>
    public static FabricsOptions ForPortal(Nqn subsystemNqn, Portal portal, HostIdentity host)
    {
        ArgumentNullException.ThrowIfNull(portal);
        if (portal.IsHostName)
            throw Invalid(FabricsOption.TransportAddress, $"{InputText.Quote(portal.Address)} is a host name; resolve it to an IP address first (the kernel does not resolve names)");
        return new FabricsOptions
        {
            Transport = portal.Transport,
            SubsystemNqn = subsystemNqn,
            Host = host,
            TransportAddress = portal.Address,
            Port = portal.Port,
        };
    }

    /// <summary>The options this would send, as a bit set indexed by <see cref="FabricsOption"/>.</summary>
    internal ulong UsedMask
    {
        get
        {
            ulong m = Bit(FabricsOption.Transport) | Bit(FabricsOption.Nqn) | Bit(FabricsOption.HostNqn) | Bit(FabricsOption.HostId);
            m |= If(TransportAddress is not null, FabricsOption.TransportAddress) | If(Port is not null, FabricsOption.TransportServiceId) |
                 If(HostTransportAddress is not null, FabricsOption.HostTransportAddress) | If(HostInterface is not null, FabricsOption.HostInterface) |
                 If(QueueSize is not null, FabricsOption.QueueSize) | If(IoQueues is not null, FabricsOption.IoQueues) |
                 If(WriteQueues is not null, FabricsOption.WriteQueues) | If(PollQueues is not null, FabricsOption.PollQueues) |
                 If(KeepAliveTimeout is not null, FabricsOption.KeepAliveTimeout) | If(ReconnectDelay is not null, FabricsOption.ReconnectDelay) |
                 If(ControllerLossTimeout is not null, FabricsOption.ControllerLossTimeout) | If(FastIoFailTimeout is not null, FabricsOption.FastIoFailTimeout) |
                 If(TypeOfService is not null, FabricsOption.TypeOfService) | If(DuplicateConnect, FabricsOption.DuplicateConnect) |
                 If(DisableSqFlow, FabricsOption.DisableSqFlow) | If(HeaderDigest, FabricsOption.HeaderDigest) |
                 If(DataDigest, FabricsOption.DataDigest) | If(Discovery, FabricsOption.Discovery) |
                 If(DhchapSecret is not null, FabricsOption.DhchapSecret) | If(DhchapControllerSecret is not null, FabricsOption.DhchapControllerSecret) |
                 If(Tls, FabricsOption.Tls) | If(Keyring is not null, FabricsOption.Keyring) | If(TlsKey is not null, FabricsOption.TlsKey) |
                 If(Concat, FabricsOption.Concat);
            return m;
        }
    }

    /// <summary>The options this would send, in <see cref="FabricsOption"/> order.</summary>
    public IReadOnlyList<FabricsOption> UsedOptions
    {
        get
        {
            ulong mask = UsedMask;
            var list = new List<FabricsOption>();
            for (int i = 0; i < FabricsOptionTokens.Count; i++)
                if ((mask & (1UL << i)) != 0)
                    list.Add((FabricsOption)i);
            return list;
        }
    }

    /// <summary>
    /// Checks the rules that involve the transport or several options, as the kernel would (but before it is
    /// asked): options the transport does not accept, required addresses, address forms, and the TLS and
    /// authentication combinations.
    /// </summary>
    /// <exception cref="InvalidInputException">The first rule broken; <see cref="InvalidInputException.KeyPath"/> is the option token.</exception>
    public void Validate()
    {
        ulong notAllowed = UsedMask & ~FabricsOptionTokens.AllowedMask(Transport);
        if (notAllowed != 0)
        {
            var option = (FabricsOption)System.Numerics.BitOperations.TrailingZeroCount(notAllowed);
            throw Invalid(option, $"the {Transport.KernelName()} transport does not accept {option.Token()}");
        }
        switch (Transport)
        {
            case Transport.Tcp or Transport.Rdma:
                RequireIp(TransportAddress, FabricsOption.TransportAddress, required: true);
                RequireIp(HostTransportAddress, FabricsOption.HostTransportAddress, required: false);
                if (Transport == Transport.Tcp && Port is null)
                    throw Invalid(FabricsOption.TransportServiceId, "is required for tcp: without it the kernel connects to the discovery port 8009");
                break;
            case Transport.Fc:
                RequireFcAddress(TransportAddress, FabricsOption.TransportAddress);
                RequireFcAddress(HostTransportAddress, FabricsOption.HostTransportAddress);
                break;
        }
        if (DhchapControllerSecret is not null && DhchapSecret is null)
            throw Invalid(FabricsOption.DhchapControllerSecret, "bidirectional authentication needs the host's dhchap_secret too");
        if (Concat && Tls)
            throw Invalid(FabricsOption.Concat, "secure concatenation cannot be combined with tls");
        if (Concat && TlsKey is not null)
            throw Invalid(FabricsOption.Concat, "secure concatenation derives its own key; tls_key cannot be given");
        if (Concat && DhchapSecret is null)
            throw Invalid(FabricsOption.Concat, "secure concatenation needs dhchap_secret");
        if (TlsKey is not null && !Tls)
            throw Invalid(FabricsOption.TlsKey, "is only used with tls");
        if (Keyring is not null && !Tls && !Concat)
            throw Invalid(FabricsOption.Keyring, "is only used with tls or concat");
    }

    /// <summary>The UTF-8 option string into <paramref name="destination"/>; returns its length, or -1 if it does not fit.</summary>
    internal int Write(Span<byte> destination, bool redactSecrets = false, bool withoutDisableSqFlow = false)
    {
        var w = new OptionStringWriter(destination, redactSecrets);
        w.Text("nqn"u8, SubsystemNqn.Value);
        w.Text("transport"u8, Transport.KernelName());
        w.Text("traddr"u8, TransportAddress);
        w.Text("host_traddr"u8, HostTransportAddress);
        w.Text("host_iface"u8, HostInterface);
        w.Number("trsvcid"u8, Port);
        w.Text("hostnqn"u8, Host.HostNqn.Value);
        w.Uuid("hostid"u8, Host.HostId);
        w.Flag("discovery"u8, Discovery);
        w.Secret("dhchap_secret"u8, DhchapSecret);
        w.Secret("dhchap_ctrl_secret"u8, DhchapControllerSecret);
        w.Number("nr_io_queues"u8, IoQueues);
        w.Number("nr_write_queues"u8, WriteQueues);
        w.Number("nr_poll_queues"u8, PollQueues);
        w.Number("queue_size"u8, QueueSize);
        w.Number("keep_alive_tmo"u8, Seconds(KeepAliveTimeout));
        w.Number("reconnect_delay"u8, Seconds(ReconnectDelay));
        w.Number("ctrl_loss_tmo"u8, Seconds(ControllerLossTimeout));
        w.Number("fast_io_fail_tmo"u8, Seconds(FastIoFailTimeout));
        w.Number("tos"u8, TypeOfService);
        w.Number("keyring"u8, Keyring);
        w.Number("tls_key"u8, TlsKey);
        w.Flag("duplicate_connect"u8, DuplicateConnect);
        w.Flag("disable_sqflow"u8, DisableSqFlow && !withoutDisableSqFlow);
        w.Flag("hdr_digest"u8, HeaderDigest);
        w.Flag("data_digest"u8, DataDigest);
        w.Flag("tls"u8, Tls);
        w.Flag("concat"u8, Concat);
        return w.Length;
    }

    /// <summary>The option string with DH-HMAC-CHAP secrets masked: safe for logs and messages.</summary>
    public override string ToString()
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        int n = Write(buffer, redactSecrets: true);
        return n < 0 ? "(option string longer than 4096 bytes)" : System.Text.Encoding.UTF8.GetString(buffer[..n]);
    }

    private static ulong Bit(FabricsOption option) => 1UL << (int)option;

    private static ulong If(bool condition, FabricsOption option) => condition ? Bit(option) : 0;

    private static long? Seconds(TimeSpan? value) =>
        value is null ? null : value == Timeout.InfiniteTimeSpan ? -1 : (long)value.Value.TotalSeconds;

    private static InvalidInputException Invalid(FabricsOption option, string message) => new(message, Operation, option.Token());

    private static string? CheckText(string? value, FabricsOption option)
    {
        if (value is null)
            return null;
        if (value.Length == 0)
            throw Invalid(option, "is empty (the kernel refuses an empty value)");
        return InputText.FindInjection(value) is string bad
            ? throw Invalid(option, $"{InputText.Quote(value)} contains {bad}")
            : value;
    }

    private static int? CheckRange(int? value, int min, int max, FabricsOption option) =>
        value is null || (value >= min && value <= max)
            ? value
            : throw Invalid(option, max == int.MaxValue ? $"{value} is out of range: at least {min}" : $"{value} is out of range {min}..{max}");

    private static TimeSpan? CheckSeconds(TimeSpan? value, int minSeconds, FabricsOption option)
    {
        if (value is not TimeSpan t)
            return null;
        if (t.Ticks % TimeSpan.TicksPerSecond != 0)
            throw Invalid(option, $"{t} is not a whole number of seconds (the kernel takes seconds)");
        if (t.TotalSeconds < minSeconds || t.TotalSeconds > int.MaxValue)
            throw Invalid(option, option == FabricsOption.ControllerLossTimeout
                ? $"{t} is out of range: 0 seconds or more, or Timeout.InfiniteTimeSpan for forever"
                : $"{t} is out of range: at least {minSeconds} second{(minSeconds == 1 ? "" : "s")}");
        return t;
    }

    private static void RequireIp(string? address, FabricsOption option, bool required)
    {
        if (address is null)
        {
            if (required)
                throw Invalid(option, "is required for tcp and rdma");
            return;
        }
        if (!NetworkAddress.IsIp(address))
            throw Invalid(option, $"{InputText.Quote(address)} is not a numeric IP address (the kernel does not resolve host names; IPv4 as a dotted quad without leading zeros)");
    }

    private static void RequireFcAddress(string? address, FabricsOption option)
    {
        // nn-0x<16 hex>:pn-0x<16 hex>, the form nvme-fc's nvme_fc_parse_traddr reads.
        if (address is null)
            throw Invalid(option, "is required for fc");
        bool ok = address.Length == 43 && address.StartsWith("nn-0x", StringComparison.Ordinal) &&
                  address.AsSpan(21, 6).SequenceEqual(":pn-0x") &&
                  IsHex(address.AsSpan(5, 16)) && IsHex(address.AsSpan(27, 16));
        if (!ok)
            throw Invalid(option, $"{InputText.Quote(address)} is not an FC address (nn-0x<16 hex digits>:pn-0x<16 hex digits>)");
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
            if (!char.IsAsciiHexDigit(c))
                return false;
        return true;
    }
}
