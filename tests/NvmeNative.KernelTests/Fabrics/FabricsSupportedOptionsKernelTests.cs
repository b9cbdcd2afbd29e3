using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.KernelTests.Fabrics;

/// <summary>The option list a fresh /dev/nvme-fabrics descriptor reads, on 6.1 and 6.12.</summary>
[Collection(NvmeHostCollection.Name)]
public sealed class FabricsSupportedOptionsKernelTests(ITestOutputHelper output)
{
    private static readonly string[] TlsTokens = ["tls", "keyring", "tls_key"];

    [Fact]
    public void The_kernels_list_is_read_and_matches_a_plain_read_of_the_device()
    {
        Requires.NvmeFabrics();
        var supported = new FabricsConnector().SupportedOptions;
        output.WriteLine(supported.ToString());
        Assert.True(supported.IsReportedByKernel);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), supported.KernelRelease);

        // Oracle: the same listing through cat(1) on its own fresh descriptor.
        string listing = Tools.Check("cat", "/dev/nvme-fabrics");
        Assert.StartsWith("instance=-1,cntlid=-1,", listing);
        var expected = listing.TrimEnd('\n').Split(',').Skip(2).Select(t => t.Split('=')[0]).ToHashSet();
        Assert.Equal(expected.Order(), supported.Tokens.Order());

        // Everything os-brick needs is there on both kernels.
        foreach (var option in new[] { FabricsOption.Transport, FabricsOption.TransportAddress, FabricsOption.TransportServiceId,
                     FabricsOption.Nqn, FabricsOption.HostNqn, FabricsOption.HostId, FabricsOption.QueueSize,
                     FabricsOption.ControllerLossTimeout, FabricsOption.IoQueues, FabricsOption.DuplicateConnect })
            Assert.True(supported.Supports(option), option.Token());
    }

    [Fact]
    public void Tls_tokens_follow_the_kernel_and_a_missing_one_is_a_clear_error()
    {
        Requires.NvmeFabrics();
        string kernel = Environment.GetEnvironmentVariable("NVMENATIVE_LAB_KERNEL") ?? "";
        if (kernel is not ("6.1" or "6.12"))
            Assert.Skip("runs in the lab, where the kernel's expected token set is known");
        var connector = new FabricsConnector();
        var supported = connector.SupportedOptions;
        bool expectTls = kernel == "6.12";
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
            Assert.Null(e.ErrnoValue); // refused before the kernel was asked
            Assert.Equal(before, FabricsLab.Controllers());
        }
        else
        {
            Assert.True(supported.Supports(FabricsOption.Tls));
        }
    }
}
