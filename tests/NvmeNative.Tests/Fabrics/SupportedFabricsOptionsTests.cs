using System.Text;
using NvmeNative.Fabrics;

namespace NvmeNative.Tests.Fabrics;

public sealed class SupportedFabricsOptionsTests
{
    // The example in nvme-fabrics.md §1.2 (K fabrics.c with TLS and auth compiled in): every token, concat included.
    private const string FullListing =
        "instance=-1,cntlid=-1,transport=%s,traddr=%s,trsvcid=%s,nqn=%s,queue_size=%d,nr_io_queues=%d,reconnect_delay=%d,ctrl_loss_tmo=%d," +
        "keep_alive_tmo=%d,hostnqn=%s,host_traddr=%s,host_iface=%s,hostid=%s,duplicate_connect,disable_sqflow,hdr_digest,data_digest," +
        "nr_write_queues=%d,nr_poll_queues=%d,tos=%d,keyring=%d,tls_key=%d,fast_io_fail_tmo=%d,discovery,dhchap_secret=%s," +
        "dhchap_ctrl_secret=%s,tls,concat\n";

    private static SupportedFabricsOptions Parse(string listing) => SupportedFabricsOptions.Parse(Encoding.UTF8.GetBytes(listing), "6.99");

    [Fact]
    public void The_kernels_full_listing_covers_every_option_this_library_knows()
    {
        var supported = Parse(FullListing);
        Assert.True(supported.IsReportedByKernel);
        Assert.All(Enum.GetValues<FabricsOption>(), o => Assert.True(supported.Supports(o), o.Token()));
        Assert.Equal(28, supported.Tokens.Count);
        Assert.DoesNotContain("instance", supported.Tokens);
        Assert.DoesNotContain("cntlid", supported.Tokens);
        // and the tokens appear in the kernel's opt_tokens order, which FabricsOption mirrors
        var order = FullListing.TrimEnd('\n').Split(',').Skip(2).Select(t => t.Split('=')[0]).ToArray();
        Assert.Equal(order, Enum.GetValues<FabricsOption>().Select(o => o.Token()));
    }

    [Fact]
    public void Compiled_out_tokens_are_missing()
    {
        var supported = Parse(RecordingFabricsDevice.Listing61);
        Assert.False(supported.Supports(FabricsOption.Tls));
        Assert.False(supported.Supports(FabricsOption.Keyring));
        Assert.False(supported.Supports(FabricsOption.TlsKey));
        Assert.False(supported.Supports(FabricsOption.Concat));
        Assert.True(supported.Supports(FabricsOption.DhchapSecret));
        Assert.True(supported.Supports(FabricsOption.FastIoFailTimeout));
    }

    [Fact]
    public void Unknown_future_tokens_are_kept()
    {
        var supported = Parse("instance=-1,cntlid=-1,transport=%s,nqn=%s,io_cpu_adopt\n");
        Assert.Contains("io_cpu_adopt", supported.Tokens);
        Assert.True(supported.Supports(FabricsOption.Transport));
        Assert.False(supported.Supports(FabricsOption.HostId));
    }

    [Fact]
    public void Requiring_a_missing_token_names_it_and_the_kernel()
    {
        var supported = SupportedFabricsOptions.Parse(Encoding.UTF8.GetBytes(RecordingFabricsDevice.Listing61), "6.1.0-37-amd64");
        var e = Assert.Throws<UnsupportedFabricsOptionException>(() => supported.Require(1UL << (int)FabricsOption.Tls, "/dev/nvme-fabrics"));
        Assert.Equal(FabricsOption.Tls, e.Option);
        Assert.Equal("tls", e.Token);
        Assert.Equal("6.1.0-37-amd64", e.KernelRelease);
        Assert.Contains("'tls' is not supported by this kernel (Linux 6.1.0-37-amd64)", e.Message);
        Assert.Null(e.ErrnoValue);
    }

    [Fact]
    public void Pre_5_17_fallback_is_libnvmes_default_set()
    {
        // 5.16 has every option of libnvme's set (discovery, the newest of them, arrived in 5.16).
        var fallback = SupportedFabricsOptions.Fallback("5.16.0");
        Assert.False(fallback.IsReportedByKernel);
        Assert.Equal(22, fallback.Tokens.Count);
        Assert.True(fallback.Supports(FabricsOption.DisableSqFlow));
        Assert.False(fallback.Supports(FabricsOption.DhchapSecret));
        var e = Assert.Throws<UnsupportedFabricsOptionException>(() => fallback.Require(1UL << (int)FabricsOption.DhchapSecret, "/dev/nvme-fabrics"));
        Assert.Contains("older than 5.17", e.Message);
    }

    [Theory]
    [InlineData("5.10.0-46-amd64", new[] { "fast_io_fail_tmo", "host_iface", "discovery" })]
    [InlineData("5.15.0-100-generic", new[] { "discovery" })]
    [InlineData("5.4.0-1-amd64", new[] { "fast_io_fail_tmo", "host_iface", "discovery" })]
    public void Pre_5_17_fallback_leaves_out_the_options_newer_than_the_running_release(string release, string[] missing)
    {
        var fallback = SupportedFabricsOptions.Fallback(release);
        var all = SupportedFabricsOptions.Fallback("5.16.0");
        Assert.Equal(all.Tokens.Except(missing).Order(), fallback.Tokens.Order());
        Assert.Equal(release, fallback.KernelRelease);
        Assert.False(fallback.IsReportedByKernel);
    }

    [Fact]
    public void A_fallback_option_newer_than_the_kernel_is_refused_naming_when_it_arrived_and_the_remedy()
    {
        var fallback = SupportedFabricsOptions.Fallback("5.10.0-46-amd64");
        Assert.False(fallback.Supports(FabricsOption.FastIoFailTimeout));
        var e = Assert.Throws<UnsupportedFabricsOptionException>(() =>
            fallback.Require(1UL << (int)FabricsOption.FastIoFailTimeout, "/dev/nvme-fabrics", _ => "do this instead"));
        Assert.Equal("fast_io_fail_tmo", e.Token);
        Assert.Contains("'fast_io_fail_tmo' is not supported by this kernel (Linux 5.10.0-46-amd64)", e.Message);
        Assert.Contains("older than 5.17", e.Message);
        Assert.Contains("arrived in about Linux 5.11", e.Message);
        Assert.EndsWith("; do this instead", e.Message);
    }

    [Fact]
    public void An_unparseable_release_keeps_the_whole_fallback_set()
    {
        Assert.Equal(SupportedFabricsOptions.Fallback("5.16.0").Tokens.Order(), SupportedFabricsOptions.Fallback("custom-kernel").Tokens.Order());
    }
}
