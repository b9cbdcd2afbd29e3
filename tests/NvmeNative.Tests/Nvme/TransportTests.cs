using NvmeNative.Nvme;

namespace NvmeNative.Tests.Nvme;

public sealed class TransportTests
{
    [Theory]
    [InlineData(Transport.Tcp, "tcp", "nvme-tcp")]
    [InlineData(Transport.Rdma, "rdma", "nvme-rdma")]
    [InlineData(Transport.Fc, "fc", "nvme-fc")]
    [InlineData(Transport.Loop, "loop", "nvme-loop")]
    public void Transport_kernel_names(Transport transport, string name, string module)
    {
        Assert.Equal(name, transport.KernelName());
        Assert.Equal(module, transport.HostModule());
        Assert.True(TransportNames.TryParseKernelName(name, out var parsed));
        Assert.Equal(transport, parsed);
    }
}
