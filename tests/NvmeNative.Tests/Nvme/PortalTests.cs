using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Tests.Nvme;

public sealed class PortalTests
{
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", false)]
    [InlineData("127.0.0.2", "127.0.0.2", false)]
    [InlineData("0.0.0.0", "0.0.0.0", false)]
    [InlineData("::1", "::1", false)]
    [InlineData("0:0::1", "::1", false)] // canonical form, so string matching with sysfs works
    [InlineData("FE80::1%eth0", "fe80::1%eth0", false)]
    [InlineData("[2001:db8::1]", "2001:db8::1", false)]
    [InlineData("Storage-1.Example.com", "storage-1.example.com", true)]
    [InlineData("localhost", "localhost", true)]
    public void Normalizes_addresses(string address, string normalized, bool isHostName)
    {
        var portal = new Portal(address, 4420, Transport.Tcp);
        Assert.Equal(normalized, portal.Address);
        Assert.Equal(isHostName, portal.IsHostName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.1")] // inet_aton shorthand: the kernel would refuse it
    [InlineData("010.0.0.1")] // octal or decimal? refuse
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("10.0.0.1,traddr=10.0.0.2")]
    [InlineData("10.0.0.1\n")]
    [InlineData("10.0.0.1 ")]
    [InlineData("host_name")]
    [InlineData("-bad.example.com")]
    [InlineData("[10.0.0.1]")]
    [InlineData("fe80::1%")]
    [InlineData("fe80::1%eth0,x")]
    [InlineData("::g")]
    public void Refuses_bad_addresses(string address) =>
        Assert.Throws<InvalidInputException>(() => new Portal(address, 4420, Transport.Tcp));

    [Theory]
    [InlineData(0)]
    [InlineData(65536)]
    [InlineData(-1)]
    public void Refuses_bad_ports(int port)
    {
        var e = Assert.Throws<InvalidInputException>(() => new Portal("10.0.0.1", port, Transport.Tcp));
        Assert.Equal("port", e.KeyPath);
    }

    [Theory]
    [InlineData(Transport.Loop)]
    [InlineData(Transport.Fc)]
    public void Only_network_transports(Transport transport) =>
        Assert.Throws<InvalidInputException>(() => new Portal("10.0.0.1", 4420, transport));

    [Fact]
    public void Value_equality_and_display()
    {
        Assert.Equal(new Portal("0:0::1", 4420, Transport.Tcp), new Portal("::1", 4420, Transport.Tcp));
        Assert.NotEqual(new Portal("::1", 4420, Transport.Tcp), new Portal("::1", 4420, Transport.Rdma));
        Assert.Equal("tcp://[::1]:4420", new Portal("::1", 4420, Transport.Tcp).ToString());
        Assert.Equal("rdma://10.0.0.1:4421", new Portal("10.0.0.1", 4421, Transport.Rdma).ToString());
    }
}
