using System.Text;
using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Fabrics;

public sealed class FabricsOptionsTests
{
    internal static readonly HostIdentity Host = HostIdentity.FromUuid(NvmeUuid.Parse("0f01fb42-9f7f-4856-b0b3-51e60b8de349"));
    internal static readonly Nqn Subsystem = Nqn.Parse("nqn.2014-08.org.openstack:vol-1");
    private const string HostPart = "hostnqn=nqn.2014-08.org.nvmexpress:uuid:0f01fb42-9f7f-4856-b0b3-51e60b8de349,hostid=0f01fb42-9f7f-4856-b0b3-51e60b8de349";

    internal static FabricsOptions Tcp() => new()
    {
        Transport = Transport.Tcp,
        SubsystemNqn = Subsystem,
        Host = Host,
        TransportAddress = "127.0.0.1",
        Port = 4420,
    };

    internal static string Bytes(FabricsOptions options)
    {
        Span<byte> buffer = stackalloc byte[4096];
        int n = options.Write(buffer);
        return Encoding.UTF8.GetString(buffer[..n]);
    }

    [Fact]
    public void Default_tcp_string_is_os_brick_connect_golden()
    {
        // nvme connect -t tcp -a 127.0.0.1 -s 4420 -n NQN -Q 128 -l -1, plus the host identity pair.
        Assert.Equal("nqn=nqn.2014-08.org.openstack:vol-1,transport=tcp,traddr=127.0.0.1,trsvcid=4420," + HostPart + ",queue_size=128,ctrl_loss_tmo=-1",
            Bytes(Tcp()));
    }

    [Fact]
    public void Every_option_golden_in_libnvme_order()
    {
        var options = Tcp() with
        {
            HostTransportAddress = "127.0.0.2",
            HostInterface = "lo",
            IoQueues = 2,
            WriteQueues = 1,
            PollQueues = 1,
            QueueSize = 64,
            KeepAliveTimeout = TimeSpan.FromSeconds(5),
            ReconnectDelay = TimeSpan.FromSeconds(2),
            ControllerLossTimeout = TimeSpan.FromSeconds(600),
            FastIoFailTimeout = TimeSpan.Zero,
            TypeOfService = 0,
            DuplicateConnect = true,
            DisableSqFlow = true,
            HeaderDigest = true,
            DataDigest = true,
            Discovery = true,
            DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256),
            DhchapControllerSecret = DhchapSecret.Parse(DhchapSecretTests.None32),
            Tls = true,
            Keyring = 0x1234,
            TlsKey = 7,
        };
        options.Validate();
        Assert.Equal(
            "nqn=nqn.2014-08.org.openstack:vol-1,transport=tcp,traddr=127.0.0.1,host_traddr=127.0.0.2,host_iface=lo,trsvcid=4420," + HostPart +
            ",discovery,dhchap_secret=" + DhchapSecretTests.Sha256 + ",dhchap_ctrl_secret=" + DhchapSecretTests.None32 +
            ",nr_io_queues=2,nr_write_queues=1,nr_poll_queues=1,queue_size=64,keep_alive_tmo=5,reconnect_delay=2,ctrl_loss_tmo=600," +
            "fast_io_fail_tmo=0,tos=0,keyring=4660,tls_key=7,duplicate_connect,disable_sqflow,hdr_digest,data_digest,tls",
            Bytes(options));
        Assert.Equal(Enum.GetValues<FabricsOption>().Where(o => o != FabricsOption.Concat), options.UsedOptions);
    }

    [Fact]
    public void Concat_golden()
    {
        var options = Tcp() with { DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256), Concat = true, Keyring = 5, QueueSize = null, ControllerLossTimeout = null };
        options.Validate();
        Assert.Equal("nqn=nqn.2014-08.org.openstack:vol-1,transport=tcp,traddr=127.0.0.1,trsvcid=4420," + HostPart +
            ",dhchap_secret=" + DhchapSecretTests.Sha256 + ",keyring=5,concat", Bytes(options));
    }

    [Fact]
    public void Loop_gets_no_ctrl_loss_tmo_by_default()
    {
        var loop = new FabricsOptions { Transport = Transport.Loop, SubsystemNqn = Subsystem, Host = Host, TransportAddress = "1" };
        loop.Validate();
        Assert.Null(loop.ControllerLossTimeout);
        Assert.Equal("nqn=nqn.2014-08.org.openstack:vol-1,transport=loop,traddr=1," + HostPart + ",queue_size=128", Bytes(loop));
        var noAddress = loop with { TransportAddress = null };
        noAddress.Validate(); // loop picks the first nvmet loop port
    }

    [Fact]
    public void Defaults_are_overridable_and_can_be_left_to_the_kernel()
    {
        var options = Tcp() with { QueueSize = null, ControllerLossTimeout = null };
        Assert.Equal("nqn=nqn.2014-08.org.openstack:vol-1,transport=tcp,traddr=127.0.0.1,trsvcid=4420," + HostPart, Bytes(options));
        Assert.Equal(TimeSpan.FromSeconds(30), (Tcp() with { ControllerLossTimeout = TimeSpan.FromSeconds(30) }).ControllerLossTimeout);
        Assert.Equal(FabricsOptions.DefaultQueueSize, Tcp().QueueSize);
        Assert.Equal(Timeout.InfiniteTimeSpan, Tcp().ControllerLossTimeout);
    }

    [Fact]
    public void Numbers_are_plain_decimal()
    {
        // The kernel parses %d with base 0: a leading zero would be octal.
        string s = Bytes(Tcp() with { Port = 8, IoQueues = 10, TypeOfService = 8 });
        Assert.Contains(",trsvcid=8,", s);
        Assert.Contains(",nr_io_queues=10,", s);
        Assert.Contains(",tos=8", s);
    }

    [Fact]
    public void ToString_is_the_option_string_with_secrets_masked()
    {
        var options = Tcp() with
        {
            DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha512),
            DhchapControllerSecret = DhchapSecret.Parse(DhchapSecretTests.Sha384),
        };
        string text = options.ToString();
        Assert.Contains("dhchap_secret=DHHC-1:03:***,dhchap_ctrl_secret=DHHC-1:02:***", text);
        Assert.DoesNotContain("LWSLBnH", text);
        Assert.DoesNotContain("GOvFute", text);
        Assert.StartsWith("nqn=nqn.2014-08.org.openstack:vol-1,transport=tcp,", text);
        Assert.Contains("LWSLBnH", Bytes(options)); // the kernel gets the real secret
    }

    public static TheoryData<Func<FabricsOptions>, string, string> RangeErrors => new()
    {
        { () => Tcp() with { QueueSize = 15 }, "queue_size", "out of range 16..1024" },
        { () => Tcp() with { QueueSize = 1025 }, "queue_size", "out of range 16..1024" },
        { () => Tcp() with { IoQueues = 0 }, "nr_io_queues", "at least 1" },
        { () => Tcp() with { WriteQueues = 0 }, "nr_write_queues", "at least 1" },
        { () => Tcp() with { PollQueues = -1 }, "nr_poll_queues", "at least 1" },
        { () => Tcp() with { KeepAliveTimeout = TimeSpan.FromSeconds(-1) }, "keep_alive_tmo", "out of range" },
        { () => Tcp() with { KeepAliveTimeout = TimeSpan.FromMilliseconds(1500) }, "keep_alive_tmo", "whole number of seconds" },
        { () => Tcp() with { ReconnectDelay = TimeSpan.Zero }, "reconnect_delay", "at least 1 second" },
        { () => Tcp() with { ControllerLossTimeout = TimeSpan.FromSeconds(-2) }, "ctrl_loss_tmo", "InfiniteTimeSpan" },
        { () => Tcp() with { ControllerLossTimeout = TimeSpan.FromSeconds((double)int.MaxValue + 1) }, "ctrl_loss_tmo", "out of range" },
        { () => Tcp() with { FastIoFailTimeout = TimeSpan.FromSeconds(-1) }, "fast_io_fail_tmo", "out of range" },
        { () => Tcp() with { TypeOfService = -1 }, "tos", "out of range 0..255" },
        { () => Tcp() with { TypeOfService = 256 }, "tos", "out of range 0..255" },
        { () => Tcp() with { Keyring = 0 }, "keyring", "at least 1" },
        { () => Tcp() with { TlsKey = -5 }, "tls_key", "at least 1" },
        { () => Tcp() with { Port = 0 }, "trsvcid", "port 0" },
        { () => Tcp() with { TransportAddress = "" }, "traddr", "empty" },
        { () => Tcp() with { TransportAddress = "127.0.0.1,nqn=x" }, "traddr", "','" },
        { () => Tcp() with { TransportAddress = "127.0.0.1\n" }, "traddr", "newline" },
        { () => Tcp() with { TransportAddress = "a=b" }, "traddr", "'='" },
        { () => Tcp() with { TransportAddress = "127.0.0.1 " }, "traddr", "whitespace" },
        { () => Tcp() with { TransportAddress = "127.0.0.1\0" }, "traddr", "NUL" },
        { () => Tcp() with { HostTransportAddress = "1.2.3.4,duplicate_connect" }, "host_traddr", "','" },
        { () => Tcp() with { HostInterface = "eth0,tls" }, "host_iface", "not a network interface name" },
        { () => Tcp() with { HostInterface = "a-very-long-interface" }, "host_iface", "not a network interface name" },
        { () => Tcp() with { HostInterface = "eth/0" }, "host_iface", "not a network interface name" },
        { () => Tcp() with { HostInterface = "" }, "host_iface", "not a network interface name" },
    };

    [Theory]
    [MemberData(nameof(RangeErrors))]
    public void Values_are_range_checked_when_set(Func<FabricsOptions> make, string token, string message)
    {
        var e = Assert.Throws<InvalidInputException>(make);
        Assert.Equal(token, e.KeyPath);
        Assert.Contains(message, e.Message);
        Assert.StartsWith("validate fabrics options: " + token + ": ", e.Message);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1024)]
    public void Queue_size_bounds_are_inclusive(int size) => Assert.Contains($"queue_size={size}", Bytes(Tcp() with { QueueSize = size }));

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    public void Tos_bounds_are_inclusive(int tos) => Assert.Contains($"tos={tos}", Bytes(Tcp() with { TypeOfService = tos }));

    private static FabricsOptions Loop() => new() { Transport = Transport.Loop, SubsystemNqn = Subsystem, Host = Host, TransportAddress = "1" };

    private static FabricsOptions Rdma() => new() { Transport = Transport.Rdma, SubsystemNqn = Subsystem, Host = Host, TransportAddress = "10.0.0.1", Port = 4420 };

    private static FabricsOptions Fc() => new()
    {
        Transport = Transport.Fc, SubsystemNqn = Subsystem, Host = Host,
        TransportAddress = "nn-0x200000109b579ef3:pn-0x100000109b579ef3",
        HostTransportAddress = "nn-0x20000090fae0b5f5:pn-0x10000090fae0b5f5",
    };

    public static TheoryData<Func<FabricsOptions>, string, string> RuleErrors => new()
    {
        // loop accepts traddr and the generic options only (and, like libnvme, no fast_io_fail_tmo)
        { () => Loop() with { ControllerLossTimeout = Timeout.InfiniteTimeSpan }, "ctrl_loss_tmo", "loop transport does not accept" },
        { () => Loop() with { ReconnectDelay = TimeSpan.FromSeconds(1) }, "reconnect_delay", "loop transport does not accept" },
        { () => Loop() with { TypeOfService = 1 }, "tos", "loop transport does not accept" },
        { () => Loop() with { FastIoFailTimeout = TimeSpan.Zero }, "fast_io_fail_tmo", "loop transport does not accept" },
        { () => Loop() with { Port = 4420 }, "trsvcid", "loop transport does not accept" },
        { () => Loop() with { HostTransportAddress = "127.0.0.1" }, "host_traddr", "loop transport does not accept" },
        { () => Loop() with { HeaderDigest = true }, "hdr_digest", "loop transport does not accept" },
        // digests, TLS and host_iface are tcp only
        { () => Rdma() with { HeaderDigest = true }, "hdr_digest", "rdma transport does not accept" },
        { () => Rdma() with { DataDigest = true }, "data_digest", "rdma transport does not accept" },
        { () => Rdma() with { Tls = true }, "tls", "rdma transport does not accept" },
        { () => Rdma() with { HostInterface = "eth0" }, "host_iface", "rdma transport does not accept" },
        { () => Fc() with { Port = 4420 }, "trsvcid", "fc transport does not accept" },
        { () => Fc() with { IoQueues = 1, WriteQueues = 1 }, "nr_write_queues", "fc transport does not accept" },
        // required addresses and their forms
        { () => Tcp() with { TransportAddress = null }, "traddr", "required for tcp" },
        { () => Rdma() with { TransportAddress = null }, "traddr", "required for tcp and rdma" },
        { () => Tcp() with { Port = null }, "trsvcid", "discovery port 8009" },
        { () => Tcp() with { TransportAddress = "storage.example.com" }, "traddr", "does not resolve host names" },
        { () => Tcp() with { TransportAddress = "127.1" }, "traddr", "not a numeric IP address" },
        { () => Tcp() with { HostTransportAddress = "eth0" }, "host_traddr", "not a numeric IP address" },
        { () => Fc() with { HostTransportAddress = null }, "host_traddr", "required for fc" },
        { () => Fc() with { TransportAddress = "10.0.0.1" }, "traddr", "not an FC address" },
        // authentication and TLS combinations
        { () => Tcp() with { DhchapControllerSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256) }, "dhchap_ctrl_secret", "needs the host's dhchap_secret" },
        { () => Tcp() with { Concat = true, Tls = true, DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256) }, "concat", "cannot be combined with tls" },
        { () => Tcp() with { Concat = true, TlsKey = 3, DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256) }, "concat", "tls_key cannot be given" },
        { () => Tcp() with { Concat = true }, "concat", "needs dhchap_secret" },
        { () => Tcp() with { TlsKey = 3 }, "tls_key", "only used with tls" },
        { () => Tcp() with { Keyring = 3 }, "keyring", "only used with tls or concat" },
    };

    [Theory]
    [MemberData(nameof(RuleErrors))]
    public void Transport_and_combination_rules(Func<FabricsOptions> make, string token, string message)
    {
        var options = make();
        var e = Assert.Throws<InvalidInputException>(options.Validate);
        Assert.Equal(token, e.KeyPath);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Valid_transport_variants_pass()
    {
        Rdma().Validate();
        (Rdma() with { Port = null }).Validate(); // rdma defaults to 4420 in the kernel
        Fc().Validate();
        (Tcp() with { TransportAddress = "fe80::1%eth0", HostTransportAddress = "::1", HostInterface = "eth0" }).Validate();
    }

    [Fact]
    public void For_portal_uses_os_brick_defaults_and_refuses_host_names()
    {
        var options = FabricsOptions.ForPortal(Subsystem, new Portal("127.0.0.1", 4420, Transport.Tcp), Host);
        Assert.Equal(Bytes(Tcp()), Bytes(options));
        var e = Assert.Throws<InvalidInputException>(() => FabricsOptions.ForPortal(Subsystem, new Portal("storage.example.com", 4420, Transport.Tcp), Host));
        Assert.Equal("traddr", e.KeyPath);
    }

    [Fact]
    public void A_string_longer_than_a_page_does_not_fit()
    {
        var options = Loop() with { TransportAddress = new string('1', 5000) };
        Span<byte> buffer = stackalloc byte[4096];
        Assert.Equal(-1, options.Write(buffer));
    }

    [Fact]
    public void Required_members_cannot_be_null()
    {
        Assert.Throws<ArgumentNullException>(() => Tcp() with { SubsystemNqn = null! });
        Assert.Throws<ArgumentNullException>(() => Tcp() with { Host = null! });
    }
}
