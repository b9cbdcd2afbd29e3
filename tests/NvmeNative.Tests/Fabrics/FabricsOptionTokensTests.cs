using NvmeNative.Fabrics;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Fabrics;

public sealed class FabricsOptionTokensTests
{
    [Fact]
    public void Tokens_round_trip()
    {
        foreach (var option in Enum.GetValues<FabricsOption>())
        {
            Assert.True(FabricsOptionTokens.TryParseToken(option.Token(), out var parsed));
            Assert.Equal(option, parsed);
        }
        Assert.False(FabricsOptionTokens.TryParseToken("tl_retry_count", out _));
        Assert.Equal(FabricsOptionTokens.Count, Enum.GetValues<FabricsOption>().Length);
    }

    [Theory]
    // the kernel's required_opts | allowed_opts per transport (tcp.c, rdma.c, fc.c, target/loop.c) plus the generic set
    [InlineData(Transport.Tcp, "transport,traddr,trsvcid,nqn,queue_size,nr_io_queues,reconnect_delay,ctrl_loss_tmo,keep_alive_tmo,hostnqn,host_traddr,host_iface,hostid,duplicate_connect,disable_sqflow,hdr_digest,data_digest,nr_write_queues,nr_poll_queues,tos,keyring,tls_key,fast_io_fail_tmo,discovery,dhchap_secret,dhchap_ctrl_secret,tls,concat")]
    [InlineData(Transport.Rdma, "transport,traddr,trsvcid,nqn,queue_size,nr_io_queues,reconnect_delay,ctrl_loss_tmo,keep_alive_tmo,hostnqn,host_traddr,hostid,duplicate_connect,disable_sqflow,nr_write_queues,nr_poll_queues,tos,fast_io_fail_tmo,discovery,dhchap_secret,dhchap_ctrl_secret")]
    [InlineData(Transport.Fc, "transport,traddr,nqn,queue_size,nr_io_queues,reconnect_delay,ctrl_loss_tmo,keep_alive_tmo,hostnqn,host_traddr,hostid,duplicate_connect,disable_sqflow,fast_io_fail_tmo,discovery,dhchap_secret,dhchap_ctrl_secret")]
    [InlineData(Transport.Loop, "transport,traddr,nqn,queue_size,nr_io_queues,keep_alive_tmo,hostnqn,hostid,duplicate_connect,disable_sqflow,discovery,dhchap_secret,dhchap_ctrl_secret")]
    public void Allowed_options_per_transport(Transport transport, string tokens) =>
        Assert.Equal(tokens, string.Join(',', Enum.GetValues<FabricsOption>().Where(o => o.IsAllowedOn(transport)).Select(o => o.Token())));

    [Fact]
    public void Flags_take_no_value() =>
        Assert.Equal("duplicate_connect,disable_sqflow,hdr_digest,data_digest,discovery,tls,concat",
            string.Join(',', Enum.GetValues<FabricsOption>().Where(o => !o.TakesValue()).Select(o => o.Token())));
}
