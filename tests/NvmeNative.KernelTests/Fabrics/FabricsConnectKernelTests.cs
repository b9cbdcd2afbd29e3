using System.Diagnostics;
using NvmeNative.Errors;
using NvmeNative.Fabrics;

namespace NvmeNative.KernelTests.Fabrics;

/// <summary>Connect and delete through /dev/nvme-fabrics against an nvmet NVMe/TCP loopback target.</summary>
[Collection(NvmeHostCollection.Name)]
public sealed class FabricsConnectKernelTests(ITestOutputHelper output)
{
    [Fact]
    public void Connect_creates_the_controller_the_reply_names_and_delete_removes_it()
    {
        using var lab = new FabricsLab();
        var (subsystem, port) = lab.Export();

        var stopwatch = Stopwatch.StartNew();
        var controller = lab.Connect(lab.OptionsFor(subsystem.Nqn, port.TrSvcId));
        output.WriteLine($"connect: {controller} in {stopwatch.ElapsedMilliseconds} ms");

        Assert.Equal([controller.Name], lab.NewControllers());
        Assert.Equal(subsystem.Nqn, FabricsLab.Attribute(controller, "subsysnqn"));
        Assert.Equal("tcp", FabricsLab.Attribute(controller, "transport"));
        Assert.Equal("live", FabricsLab.Attribute(controller, "state"));
        Assert.Equal(controller.ControllerId.ToString(System.Globalization.CultureInfo.InvariantCulture), FabricsLab.Attribute(controller, "cntlid"));
        Assert.Equal(lab.Host.HostNqn.Value, FabricsLab.Attribute(controller, "hostnqn"));
        Assert.Equal(lab.Host.HostId.ToString(), FabricsLab.Attribute(controller, "hostid"));
        Assert.StartsWith($"traddr=127.0.0.1,trsvcid={port.TrSvcId}", FabricsLab.Attribute(controller, "address"));
        Assert.Equal("off", FabricsLab.Attribute(controller, "ctrl_loss_tmo")); // ctrl_loss_tmo=-1: reconnect forever
        Assert.Equal("127", FabricsLab.Attribute(controller, "sqsize")); // queue_size=128 (sqsize is 0-based)
        Assert.Equal("2", FabricsLab.Attribute(controller, "queue_count")); // nr_io_queues=1 + the admin queue

        // The oracle agrees that this controller exists for the subsystem.
        if (Tools.Find("nvme") is not null)
            Assert.Contains(controller.Name, Tools.Check("nvme", "list-subsys", "-o", "json"));

        Assert.True(lab.Connector.DeleteController(controller));
        Assert.False(Directory.Exists($"/sys/class/nvme/{controller.Name}"));
        Assert.Empty(lab.NewControllers());
        Assert.False(lab.Connector.DeleteController(controller)); // already gone = success
        Assert.False(lab.Connector.DeleteController(controller.Instance));
    }

    [Fact]
    public void A_second_connect_to_the_same_target_is_already_connected()
    {
        using var lab = new FabricsLab();
        var (subsystem, port) = lab.Export();
        var options = lab.OptionsFor(subsystem.Nqn, port.TrSvcId);
        var first = lab.Connect(options);
        var e = Assert.Throws<FabricsConnectException>(() => lab.Connect(options));
        Assert.Equal(ConnectFailure.AlreadyConnected, e.Failure);
        Assert.Equal(Errno.EALREADY, e.Errno);
        Assert.Equal([first.Name], lab.NewControllers());

        var duplicate = lab.Connect(options with { DuplicateConnect = true });
        Assert.NotEqual(first.Instance, duplicate.Instance);
    }

    [Fact]
    public void Nothing_listening_is_connection_refused_fast_and_leaves_nothing()
    {
        using var lab = new FabricsLab();
        var options = lab.OptionsFor("nqn.2014-08.org.nvmenative:test-nobody", FabricsLab.UnusedTcpPort());
        Assert.Throws<FabricsConnectException>(() => lab.Connect(options)); // warm up the JIT under emulation

        var stopwatch = Stopwatch.StartNew();
        var e = Assert.Throws<FabricsConnectException>(() => lab.Connect(options));
        stopwatch.Stop();
        output.WriteLine($"refused after {stopwatch.ElapsedMilliseconds} ms: {e.Message}");

        Assert.Equal(ConnectFailure.ConnectionRefused, e.Failure);
        Assert.Equal(Errno.ECONNREFUSED, e.Errno);
        Assert.Contains("nothing is listening", e.Message);
        // A refused SYN answers at once; a silent address would take the kernel's ~3 s SYN retry.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.Empty(lab.NewControllers());
    }

    [Fact]
    public void Unknown_nqn_is_rejected_by_the_target_and_leaves_nothing()
    {
        using var lab = new FabricsLab();
        var (_, port) = lab.Export();
        var e = Assert.Throws<FabricsConnectException>(() => lab.Connect(lab.OptionsFor("nqn.2014-08.org.nvmenative:test-unknown", port.TrSvcId)));
        output.WriteLine(e.Message);
        Assert.Equal(ConnectFailure.TargetRejected, e.Failure);
        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("subsystem NQN is unknown", e.Message);
        Assert.Empty(lab.NewControllers());
    }

    [Fact]
    public void Disallowed_host_is_rejected_by_the_target_and_leaves_nothing()
    {
        using var lab = new FabricsLab();
        var (subsystem, port) = lab.Export();
        subsystem.AllowHost("nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555"); // attr_allow_any_host=0
        Assert.Equal("0", File.ReadAllText(Path.Combine(subsystem.ConfigPath, "attr_allow_any_host")).Trim());

        var e = Assert.Throws<FabricsConnectException>(() => lab.Connect(lab.OptionsFor(subsystem.Nqn, port.TrSvcId)));
        output.WriteLine(e.Message);
        Assert.Equal(ConnectFailure.TargetRejected, e.Failure);
        Assert.Contains("not allowed", e.Message);
        Assert.Empty(lab.NewControllers());

        subsystem.AllowHost(lab.Host.HostNqn.Value); // and once allowed, the same options connect
        lab.Connect(lab.OptionsFor(subsystem.Nqn, port.TrSvcId));
        Assert.Single(lab.NewControllers());
    }

    [Fact]
    public void A_dhchap_secret_never_appears_in_an_error()
    {
        const string Secret = "DHHC-1:01:nbsZuegXcW+veF/CdJh72Zqel21Cgw6ELXv9VDhn6/k3Z0YE:";
        using var lab = new FabricsLab();
        var (_, port) = lab.Export();
        var secret = DhchapSecret.Parse(Secret);
        var refused = lab.OptionsFor("nqn.2014-08.org.nvmenative:test-nobody", FabricsLab.UnusedTcpPort()) with
        {
            DhchapSecret = secret,
            DhchapControllerSecret = secret,
        };
        var unknown = lab.OptionsFor("nqn.2014-08.org.nvmenative:test-unknown", port.TrSvcId) with { DhchapSecret = secret };

        foreach (var options in new[] { refused, unknown })
        {
            // With CONFIG_NVME_HOST_AUTH the kernel refuses the connect; without it the token check does. Either way:
            var e = Assert.ThrowsAny<NvmeNativeException>(() => lab.Connect(options));
            output.WriteLine(e.Message);
            foreach (string text in new[] { e.Message, e.ToString(), e.ConnectString ?? "", options.ToString() })
                Assert.DoesNotContain("nbsZuegXcW", text);
            if (e is FabricsConnectException connect)
                Assert.Contains("dhchap_secret=***", connect.ConnectString);
        }
        Assert.Empty(lab.NewControllers());
    }
}
