using NvmeNative.Errors;
using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Fabrics;

public sealed class FabricsConnectorTests : IDisposable
{
    private readonly FakeKernelTree _tree = new();
    private readonly RecordingFabricsDevice _device = new();
    private readonly FabricsConnector _connector;

    public FabricsConnectorTests()
    {
        _tree.File("proc/sys/kernel/osrelease", "6.1.0-37-amd64\n");
        _connector = new FabricsConnector(_tree.Paths, _device);
    }

    public void Dispose() => _tree.Dispose();

    private ControllerInstance Connect(FabricsOptions options) => _connector.Connect(options, TestContext.Current.CancellationToken);

    private static string Golden => FabricsOptionsTests.Bytes(FabricsOptionsTests.Tcp());

    [Fact]
    public void Connect_writes_the_option_string_once_and_parses_the_reply()
    {
        _device.Then("instance=4,cntlid=2\n");
        var controller = Connect(FabricsOptionsTests.Tcp());
        Assert.Equal(new ControllerInstance(4, 2, FabricsOptionsTests.Subsystem), controller);
        Assert.Equal("nvme4", controller.Name);
        Assert.Equal([Golden], _device.Writes);
        Assert.DoesNotContain('\n', _device.Writes[0]); // libnvme sends no trailing newline either
    }

    [Fact]
    public void Supported_options_are_read_once_and_cached()
    {
        _device.Then("instance=1,cntlid=1\n").Then("instance=2,cntlid=1\n");
        Connect(FabricsOptionsTests.Tcp());
        Connect(FabricsOptionsTests.Tcp() with { DuplicateConnect = true });
        Assert.Same(_connector.SupportedOptions, _connector.SupportedOptions);
        Assert.Equal(1, _device.ListingReads);
        Assert.Equal("6.1.0-37-amd64", _connector.SupportedOptions.KernelRelease);
    }

    [Fact]
    public void A_token_this_kernel_lacks_is_a_clear_error_and_nothing_is_written()
    {
        _device.ListingResult = (FabricsStep.None, 0, RecordingFabricsDevice.Listing61);
        var e = Assert.Throws<UnsupportedFabricsOptionException>(() => Connect(FabricsOptionsTests.Tcp() with { Tls = true }));
        Assert.Equal("tls", e.Token);
        Assert.Contains("Linux 6.1.0-37-amd64", e.Message);
        Assert.Empty(_device.Writes);
    }

    [Fact]
    public void Invalid_options_fail_before_the_device_is_touched()
    {
        Assert.Throws<InvalidInputException>(() => Connect(FabricsOptionsTests.Tcp() with { Port = null }));
        Assert.Equal(0, _device.ListingReads);
        Assert.Empty(_device.Writes);
    }

    [Fact]
    public void Too_long_a_string_fails_before_the_write()
    {
        var options = new FabricsOptions
        {
            Transport = Transport.Loop, SubsystemNqn = FabricsOptionsTests.Subsystem, Host = FabricsOptionsTests.Host,
            TransportAddress = new string('1', 5000),
        };
        var e = Assert.Throws<InvalidInputException>(() => Connect(options));
        Assert.Contains("4096", e.Message);
        Assert.Empty(_device.Writes);
    }

    [Fact]
    public void Cancellation_before_the_write_writes_nothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => _connector.Connect(FabricsOptionsTests.Tcp(), cts.Token));
        Assert.Empty(_device.Writes);
    }

    [Theory]
    [InlineData(Errno.EALREADY, ConnectFailure.AlreadyConnected, "already exists")]
    [InlineData(Errno.EINVAL, ConnectFailure.InvalidOptions, "dmesg")]
    [InlineData(Errno.EIO, ConnectFailure.TargetRejected, "not allowed")]
    [InlineData(Errno.ECONNREFUSED, ConnectFailure.ConnectionRefused, "nothing is listening")]
    [InlineData(Errno.ETIMEDOUT, ConnectFailure.TimedOut, "did not answer")]
    [InlineData(Errno.EHOSTUNREACH, ConnectFailure.Unreachable, "no route")]
    [InlineData(Errno.ENETUNREACH, ConnectFailure.Unreachable, "no route")]
    [InlineData(Errno.EADDRNOTAVAIL, ConnectFailure.HostAddressNotAvailable, "host_traddr")]
    [InlineData(Errno.ENODEV, ConnectFailure.NoDevice, "host_iface")]
    [InlineData(Errno.ECONNRESET, ConnectFailure.HandshakeFailed, "handshake")]
    [InlineData(Errno.ENOTCONN, ConnectFailure.HandshakeFailed, "handshake")]
    [InlineData(Errno.EAGAIN, ConnectFailure.HandshakeFailed, "handshake")]
    [InlineData(Errno.EOPNOTSUPP, ConnectFailure.NotSupported, "feature")]
    [InlineData(Errno.ENOKEY, ConnectFailure.KeyNotFound, "pre-shared key")]
    [InlineData(Errno.EKEYREJECTED, ConnectFailure.AuthenticationFailed, "authentication failed")]
    [InlineData(Errno.EKEYEXPIRED, ConnectFailure.AuthenticationFailed, "authentication failed")]
    [InlineData(Errno.EKEYREVOKED, ConnectFailure.AuthenticationFailed, "authentication failed")]
    [InlineData(Errno.EADDRINUSE, ConnectFailure.HostNqnInUse, "host NQN")]
    [InlineData(Errno.EBUSY, ConnectFailure.Busy, "unloaded")]
    [InlineData(Errno.ENOMEM, ConnectFailure.OutOfMemory, "memory")]
    [InlineData(Errno.EINTR, ConnectFailure.Interrupted, "signal")]
    [InlineData(Errno.ENOENT, ConnectFailure.NoSuchPort, "FC")]
    [InlineData(Errno.EPIPE, ConnectFailure.Other, "refused")]
    public void Every_errno_has_a_meaning_and_secrets_stay_out(Errno errno, ConnectFailure failure, string meaning)
    {
        _device.ThenFail(FabricsStep.Write, errno);
        var options = FabricsOptionsTests.Tcp() with { DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256) };
        var e = Assert.Throws<FabricsConnectException>(() => Connect(options));
        Assert.Equal(failure, e.Failure);
        Assert.Equal(errno, e.Errno);
        Assert.Contains(meaning, e.Message);
        Assert.Contains(meaning, e.Meaning);
        Assert.StartsWith("connect /dev/nvme-fabrics: ", e.Message);
        Assert.Equal("127.0.0.1", e.TransportAddress);
        Assert.Equal((ushort)4420, e.Port);
        Assert.Equal(FabricsOptionsTests.Subsystem, e.SubsystemNqn);
        Assert.Contains("dhchap_secret=***", e.ConnectString);
        foreach (string text in new[] { e.Message, e.ToString(), e.ConnectString! })
            Assert.DoesNotContain("nbsZuegXcW", text);
        Assert.Contains("nbsZuegXcW", _device.Writes[0]); // while the kernel got the real secret
    }

    [Fact]
    public void Missing_device_names_the_module()
    {
        _device.ListingResult = (FabricsStep.Open, (int)Errno.ENOENT, "");
        var e = Assert.Throws<FabricsUnavailableException>(() => Connect(FabricsOptionsTests.Tcp()));
        Assert.True(e.ModuleMissing);
        Assert.Contains("modprobe nvme-fabrics", e.Message);
        Assert.Contains("nvme-tcp", e.Message);
        Assert.Equal(Errno.ENOENT, e.Errno);
    }

    [Fact]
    public void No_permission_says_so()
    {
        _device.ThenFail(FabricsStep.Open, Errno.EACCES);
        var e = Assert.Throws<FabricsUnavailableException>(() => Connect(FabricsOptionsTests.Tcp()));
        Assert.False(e.ModuleMissing);
        Assert.Contains("needs root", e.Message);
    }

    [Fact]
    public void Pre_5_17_kernel_falls_back_and_retries_without_disable_sqflow_on_einval()
    {
        _device.ListingResult = (FabricsStep.Read, (int)Errno.EINVAL, "");
        _device.ThenFail(FabricsStep.Write, Errno.EINVAL).Then("instance=7,cntlid=3\n");
        var controller = Connect(FabricsOptionsTests.Tcp() with { DisableSqFlow = true });
        Assert.Equal(7, controller.Instance);
        Assert.False(_connector.SupportedOptions.IsReportedByKernel);
        Assert.Equal(2, _device.Writes.Count);
        Assert.EndsWith(",disable_sqflow", _device.Writes[0]);
        Assert.Equal(Golden, _device.Writes[1]);
    }

    [Fact]
    public void No_sqflow_retry_when_the_kernel_lists_the_token()
    {
        _device.ThenFail(FabricsStep.Write, Errno.EINVAL);
        var e = Assert.Throws<FabricsConnectException>(() => Connect(FabricsOptionsTests.Tcp() with { DisableSqFlow = true }));
        Assert.Equal(ConnectFailure.InvalidOptions, e.Failure);
        Assert.Single(_device.Writes);
    }

    [Fact]
    public void No_sqflow_retry_for_other_errors_or_without_the_flag()
    {
        _device.ListingResult = (FabricsStep.Read, (int)Errno.EINVAL, "");
        _device.ThenFail(FabricsStep.Write, Errno.EINVAL).ThenFail(FabricsStep.Write, Errno.ECONNREFUSED);
        Assert.Throws<FabricsConnectException>(() => Connect(FabricsOptionsTests.Tcp()));
        Assert.Throws<FabricsConnectException>(() => Connect(FabricsOptionsTests.Tcp() with { DisableSqFlow = true }));
        Assert.Equal(2, _device.Writes.Count);
    }

    [Fact]
    public void An_unparseable_reply_is_its_own_failure()
    {
        _device.Then("instance=-1,cntlid=-1,transport=%s\n");
        var e = Assert.Throws<FabricsConnectException>(() => Connect(FabricsOptionsTests.Tcp()));
        Assert.Equal(ConnectFailure.UnparseableReply, e.Failure);
        Assert.Contains("instance=-1", e.Message);
        Assert.Null(e.ErrnoValue);
    }

    [Fact]
    public void A_failed_reply_read_is_reported_as_unparseable_with_its_errno()
    {
        _device.ThenFail(FabricsStep.Read, Errno.EFAULT);
        var e = Assert.Throws<FabricsConnectException>(() => Connect(FabricsOptionsTests.Tcp()));
        Assert.Equal(ConnectFailure.UnparseableReply, e.Failure);
        Assert.Equal(Errno.EFAULT, e.Errno);
    }

    [Fact]
    public async Task Connect_async_runs_the_same_exchange()
    {
        _device.Then("instance=9,cntlid=1\n");
        var controller = await _connector.ConnectAsync(FabricsOptionsTests.Tcp(), TestContext.Current.CancellationToken);
        Assert.Equal(9, controller.Instance);
        Assert.Equal([Golden], _device.Writes);
    }

    [Fact]
    public void Delete_writes_1_to_delete_controller()
    {
        _tree.File("sys/class/nvme/nvme3/delete_controller", "");
        Assert.True(_connector.DeleteController(3));
        Assert.Equal("1", _tree.Read("sys/class/nvme/nvme3/delete_controller"));
    }

    [Fact]
    public void Deleting_a_controller_that_is_gone_succeeds() => Assert.False(_connector.DeleteController(42));

    [Fact]
    public void Delete_by_instance_checks_the_subsystem_first()
    {
        _tree.File("sys/class/nvme/nvme3/delete_controller", "");
        _tree.File("sys/class/nvme/nvme3/subsysnqn", "nqn.someone-else\n");
        Assert.False(_connector.DeleteController(new ControllerInstance(3, 1, FabricsOptionsTests.Subsystem)));
        Assert.Equal("", _tree.Read("sys/class/nvme/nvme3/delete_controller")); // left alone

        _tree.File("sys/class/nvme/nvme3/subsysnqn", FabricsOptionsTests.Subsystem.Value + "\n");
        Assert.True(_connector.DeleteController(new ControllerInstance(3, 1, FabricsOptionsTests.Subsystem)));
        Assert.Equal("1", _tree.Read("sys/class/nvme/nvme3/delete_controller"));
        Assert.False(_connector.DeleteController(new ControllerInstance(8, 1, FabricsOptionsTests.Subsystem)));
    }

    [Fact]
    public void The_connect_path_allocates_only_its_result()
    {
        var options = FabricsOptionsTests.Tcp() with { IoQueues = 1, DhchapSecret = DhchapSecret.Parse(DhchapSecretTests.Sha256) };
        var device = new ScriptedReplyDevice("instance=4,cntlid=2\n"u8.ToArray());
        var connector = new FabricsConnector(_tree.Paths, device);
        var ct = TestContext.Current.CancellationToken;
        for (int i = 0; i < 3; i++)
            connector.Connect(options, ct); // warm up: option list read, statics, tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        var controller = connector.Connect(options, ct);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(4, controller.Instance);
        // ControllerInstance is the only object the path needs (~40 bytes); no strings, no buffers.
        Assert.True(allocated <= 64, $"{allocated} bytes allocated");
    }

    /// <summary>Answers every connect with the same reply, recording nothing (so it allocates nothing itself).</summary>
    private sealed class ScriptedReplyDevice(byte[] reply) : IFabricsDevice
    {
        public string Path => "/dev/nvme-fabrics";

        public FabricsExchange Read(Span<byte> listing)
        {
            int n = System.Text.Encoding.ASCII.GetBytes(RecordingFabricsDevice.Listing612, listing);
            return FabricsExchange.Ok(n);
        }

        public FabricsExchange WriteThenRead(ReadOnlySpan<byte> options, Span<byte> answer)
        {
            reply.CopyTo(answer);
            return FabricsExchange.Ok(reply.Length);
        }
    }
}
