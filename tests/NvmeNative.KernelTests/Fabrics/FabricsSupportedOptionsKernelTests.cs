using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.KernelTests.Fabrics;

/// <summary>
/// The option list a fresh /dev/nvme-fabrics descriptor reads (5.17 and later), and the assumed list of the kernels that
/// cannot read it (5.10), checked token by token against what the kernel accepts.
/// </summary>
[Collection(NvmeHostCollection.Name)]
public sealed class FabricsSupportedOptionsKernelTests(ITestOutputHelper output)
{
    private static readonly string[] TlsTokens = ["tls", "keyring", "tls_key"];

    // A value the kernel parses for each option a probe sends (flags have none).
    private static readonly Dictionary<FabricsOption, string> ProbeValues = new()
    {
        [FabricsOption.QueueSize] = "32", [FabricsOption.IoQueues] = "1", [FabricsOption.ReconnectDelay] = "1",
        [FabricsOption.ControllerLossTimeout] = "5", [FabricsOption.KeepAliveTimeout] = "5",
        [FabricsOption.HostTransportAddress] = "127.0.0.1", [FabricsOption.HostInterface] = "lo",
        [FabricsOption.WriteQueues] = "1", [FabricsOption.PollQueues] = "1", [FabricsOption.TypeOfService] = "0",
        [FabricsOption.FastIoFailTimeout] = "1", [FabricsOption.Keyring] = "1", [FabricsOption.TlsKey] = "1",
        [FabricsOption.DhchapSecret] = "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:",
        [FabricsOption.DhchapControllerSecret] = "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:",
    };

    [Fact]
    public void The_kernels_list_is_read_and_matches_a_plain_read_of_the_device()
    {
        Requires.NvmeFabrics();
        var supported = new FabricsConnector().SupportedOptions;
        output.WriteLine(supported.ToString());
        Assert.Equal(KernelFacts.Release, supported.KernelRelease);
        // 5.17 and later list their options; 5.10 answers the read with EINVAL and the library assumes a set.
        Assert.Equal(KernelFacts.ListsFabricsOptions, supported.IsReportedByKernel);

        if (supported.IsReportedByKernel)
        {
            // Oracle: the same listing through cat(1) on its own fresh descriptor.
            string listing = Tools.Check("cat", "/dev/nvme-fabrics");
            Assert.StartsWith("instance=-1,cntlid=-1,", listing);
            var expected = listing.TrimEnd('\n').Split(',').Skip(2).Select(t => t.Split('=')[0]).ToHashSet();
            Assert.Equal(expected.Order(), supported.Tokens.Order());
        }
        else
        {
            var cat = Tools.Run("cat", "/dev/nvme-fabrics");
            Assert.NotEqual(0, cat.ExitCode);
            Assert.Contains("Invalid argument", cat.Stderr);
            // Oracle: the kernel itself, one option at a time, in a connect to a port nothing listens on. An option it
            // knows gets as far as the TCP connect (ECONNREFUSED); one it does not know is rejected while parsing (EINVAL).
            int closedPort = ClosedTcpPort();
            foreach (var (option, value) in ProbeValues.Select(p => (p.Key, (string?)p.Value))
                         .Concat(new[] { FabricsOption.DuplicateConnect, FabricsOption.DisableSqFlow, FabricsOption.HeaderDigest,
                             FabricsOption.DataDigest, FabricsOption.Discovery, FabricsOption.Tls, FabricsOption.Concat }
                             .Select(o => (o, (string?)null))))
            {
                int errno = ProbeConnect(closedPort, value is null ? option.Token() : $"{option.Token()}={value}");
                output.WriteLine($"{option.Token()}: errno {errno}, assumed {(supported.Supports(option) ? "supported" : "missing")}");
                Assert.True(errno is (int)NvmeNative.Errors.Errno.ECONNREFUSED or (int)NvmeNative.Errors.Errno.EINVAL, $"{option.Token()}: errno {errno}");
                Assert.Equal(supported.Supports(option), errno == (int)NvmeNative.Errors.Errno.ECONNREFUSED);
            }
            // 5.10 in particular: no fast_io_fail_tmo (5.11), host_iface (5.14), discovery (5.16), nor anything newer.
            Assert.False(supported.Supports(FabricsOption.FastIoFailTimeout));
            Assert.False(supported.Supports(FabricsOption.HostInterface));
            Assert.False(supported.Supports(FabricsOption.Discovery));
        }

        // Everything os-brick needs is there on every kernel.
        foreach (var option in new[] { FabricsOption.Transport, FabricsOption.TransportAddress, FabricsOption.TransportServiceId,
                     FabricsOption.Nqn, FabricsOption.HostNqn, FabricsOption.HostId, FabricsOption.QueueSize,
                     FabricsOption.ControllerLossTimeout, FabricsOption.IoQueues, FabricsOption.DuplicateConnect })
            Assert.True(supported.Supports(option), option.Token());
        Assert.Equal(KernelFacts.HasFastIoFailTimeout, supported.Supports(FabricsOption.FastIoFailTimeout));
    }

    [Fact]
    public void Tls_tokens_follow_the_kernel_and_a_missing_one_is_a_clear_error()
    {
        Requires.NvmeFabrics();
        var connector = new FabricsConnector();
        var supported = connector.SupportedOptions;
        // 6.12 and unstable are built with CONFIG_NVME_TCP_TLS; 6.1 and 5.10 predate TLS (6.7).
        bool expectTls = KernelFacts.HasTlsTokens;
        foreach (string token in TlsTokens)
            Assert.Equal(expectTls, supported.Tokens.Contains(token));

        var options = new FabricsOptions
        {
            Transport = Transport.Tcp,
            SubsystemNqn = Nqn.Parse("nqn.2014-08.org.nvmenative:test-tls"),
            Host = HostIdentity.FromUuid(NvmeUuid.Parse("0f01fb42-9f7f-4856-b0b3-51e60b8de349")),
            TransportAddress = "127.0.0.1",
            Port = 4420,
            Tls = true,
        };
        if (!expectTls)
        {
            var before = FabricsLab.Controllers();
            var e = Assert.Throws<UnsupportedFabricsOptionException>(() => connector.Connect(options, TestContext.Current.CancellationToken));
            output.WriteLine(e.Message);
            Assert.Equal("tls", e.Token);
            Assert.Contains("'tls' is not supported by this kernel", e.Message);
            Assert.Contains(supported.KernelRelease, e.Message);
            Assert.Contains("6.7", e.Message); // when it arrived
            Assert.Null(e.ErrnoValue); // refused before the kernel was asked
            Assert.Equal(before, FabricsLab.Controllers());
        }
        else
        {
            Assert.True(supported.Supports(FabricsOption.Tls));
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on (bound to find it free, then closed).</summary>
    private static int ClosedTcpPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>One raw connect with <paramref name="option"/> added; returns the write's errno (0 if it connected).</summary>
    private static int ProbeConnect(int port, string option)
    {
        string request = $"transport=tcp,traddr=127.0.0.1,trsvcid={port},nqn=nqn.2014-08.org.nvmenative:test-probe," +
                         $"hostnqn={TestHostIdentity.HostNqn},hostid={TestHostIdentity.HostId},{option}";
        using var fd = NvmeNative.Kernel.Fd.Open(RawFabrics.Device, Interop.Fcntl.O_RDWR);
        return NvmeNative.Kernel.Fd.TryWrite(fd, System.Text.Encoding.ASCII.GetBytes(request), out _);
    }
}
