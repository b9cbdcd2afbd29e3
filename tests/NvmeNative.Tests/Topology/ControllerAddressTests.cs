using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Topology;

public sealed class ControllerAddressTests
{
    private static readonly Portal Local = new("127.0.0.1", 4420, Transport.Tcp);

    [Fact]
    public void The_fields_of_a_6_1_address_with_src_addr_are_parsed_one_by_one()
    {
        var a = ControllerAddress.Parse("traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1");
        Assert.Equal("127.0.0.1", a.TrAddr);
        Assert.Equal("4420", a.TrSvcId);
        Assert.Equal("127.0.0.1", a.SrcAddr);
        Assert.Null(a.HostTrAddr);
        Assert.Null(a.HostIface);
        Assert.True(a.Matches(Local)); // os-brick's whole-string compare fails exactly here (#2035811)
    }

    [Fact]
    public void Every_optional_field_and_unknown_ones_are_kept()
    {
        var a = ControllerAddress.Parse("traddr=fd00::10,trsvcid=4420,host_traddr=fd00::1,host_iface=eth0,src_addr=fd00::1,future=x\n");
        Assert.Equal("fd00::1", a.HostTrAddr);
        Assert.Equal("eth0", a.HostIface);
        Assert.Equal("x", a.Fields["future"]);
        Assert.Equal("traddr=fd00::10,trsvcid=4420,host_traddr=fd00::1,host_iface=eth0,src_addr=fd00::1,future=x", a.Raw);
    }

    [Fact]
    public void A_pcie_address_is_a_bare_pci_function()
    {
        var a = ControllerAddress.Parse("0000:00:04.0");
        Assert.Equal("0000:00:04.0", a.TrAddr);
        Assert.Empty(a.Fields);
        Assert.False(a.Matches(Local));
    }

    [Theory]
    [InlineData("traddr=127.0.0.1,trsvcid=4420", "127.0.0.1", 4420, true)]
    [InlineData("traddr=127.0.0.2,trsvcid=4420,src_addr=127.0.0.1", "127.0.0.1", 4420, false)] // src_addr is not traddr
    [InlineData("traddr=127.0.0.1,trsvcid=4421", "127.0.0.1", 4420, false)]
    [InlineData("traddr=127.0.0.1,trsvcid=04420", "127.0.0.1", 4420, true)] // a number, not a string
    [InlineData("traddr=0:0::1,trsvcid=4420", "::1", 4420, true)] // IPv6 compared as an address
    [InlineData("traddr=FD00::A,trsvcid=4420", "fd00::a", 4420, true)]
    [InlineData("traddr=fe80::1%eth0,trsvcid=4420", "fe80::1%eth1", 4420, false)] // scope matters
    [InlineData("traddr=10.0.0.1,trsvcid=4420", "10.0.0.10", 4420, false)]
    [InlineData("trsvcid=4420", "127.0.0.1", 4420, false)]
    [InlineData("traddr=127.0.0.1", "127.0.0.1", 4420, false)]
    public void Target_address_and_port_are_compared_as_values(string address, string traddr, int port, bool match) =>
        Assert.Equal(match, ControllerAddress.Parse(address).Matches(new Portal(traddr, port, Transport.Tcp)));

    [Fact]
    public void Host_binding_is_compared_only_when_the_portal_names_one()
    {
        var bound = ControllerAddress.Parse("traddr=10.0.0.1,trsvcid=4420,host_traddr=10.0.0.9,host_iface=eth1");
        var unbound = ControllerAddress.Parse("traddr=10.0.0.1,trsvcid=4420,src_addr=10.0.0.9");
        var any = new Portal("10.0.0.1", 4420, Transport.Tcp);
        Assert.True(bound.Matches(any));
        Assert.True(unbound.Matches(any));
        Assert.True(bound.Matches(any, hostTransportAddress: "10.0.0.9"));
        Assert.False(bound.Matches(any, hostTransportAddress: "10.0.0.8"));
        Assert.False(unbound.Matches(any, hostTransportAddress: "10.0.0.9")); // src_addr is not a binding
        Assert.True(bound.Matches(any, hostInterface: "eth1"));
        Assert.False(bound.Matches(any, hostInterface: "eth2"));
        Assert.False(unbound.Matches(any, hostInterface: "eth1"));
        Assert.True(bound.Matches(any, "10.0.0.9", "eth1"));
    }
}
