using System.Net.Sockets;
using System.Net;
using NvmeNative.Errors;
using NvmeNative.Nvme;
using NvmeNative.Topology;

namespace NvmeNative.Tests.Nvme;

public sealed class PortalResolverTests
{
    private static PortalResolver.Lookup Returns(params string[] addresses) =>
        (_, _) => addresses.Select(IPAddress.Parse).ToArray();

    private static readonly PortalResolver.Lookup MustNotBeCalled = (host, _) => throw new InvalidOperationException($"looked up {host}");

    [Fact]
    public void Localhost_resolves_through_the_system_resolver_to_a_loopback_address_that_matches_its_controller()
    {
        var portal = PortalResolver.Resolve(new Portal("localhost", 4420, Transport.Tcp), "portals[0][0]", PortalResolver.SystemResolver, CancellationToken.None);
        Assert.False(portal.IsHostName);
        Assert.True(IPAddress.IsLoopback(portal.IpAddress!), portal.Address);
        Assert.Equal(4420, portal.Port);
        Assert.Equal(Transport.Tcp, portal.Transport);
        // The controller the kernel creates for that address is found through the portal.
        string traddr = portal.Address;
        Assert.True(ControllerAddress.Parse($"traddr={traddr},trsvcid=4420,src_addr={traddr}").Matches(portal));
        Assert.False(ControllerAddress.Parse($"traddr={traddr},trsvcid=4421").Matches(portal));
    }

    [Fact]
    public void An_unresolvable_name_is_invalid_input_naming_the_key_and_the_host()
    {
        var e = Assert.Throws<InvalidInputException>(() => PortalResolver.Resolve(
            new Portal("no-such-host.invalid", 4420, Transport.Tcp), "portals[1][0]", PortalResolver.SystemResolver, CancellationToken.None));
        Assert.Equal("portals[1][0]", e.KeyPath);
        Assert.Contains("no-such-host.invalid", e.Message);
        Assert.Contains("does not resolve", e.Message);
    }

    [Fact]
    public void A_numeric_portal_is_returned_as_it_is_without_a_lookup()
    {
        var portal = new Portal("10.0.0.1", 4420, Transport.Rdma);
        Assert.Same(portal, PortalResolver.Resolve(portal, "k", MustNotBeCalled, CancellationToken.None));
    }

    [Fact]
    public void The_first_address_in_the_resolvers_order_is_taken()
    {
        var portal = PortalResolver.Resolve(new Portal("storage.example", 4420, Transport.Tcp), "k", Returns("10.0.0.2", "10.0.0.1", "fd00::1"), CancellationToken.None);
        Assert.Equal("10.0.0.2", portal.Address);
        var v6 = PortalResolver.Resolve(new Portal("storage.example", 4420, Transport.Tcp), "k", Returns("fd00:0:0:0:0:0:0:10", "10.0.0.1"), CancellationToken.None);
        Assert.Equal("fd00::10", v6.Address); // compressed, as the kernel prints traddr
        Assert.True(ControllerAddress.Parse("traddr=fd00:0::10,trsvcid=4420").Matches(v6)); // non-canonical sysfs form still matches
    }

    [Fact]
    public void An_ipv4_mapped_answer_connects_to_the_ipv4_address_and_a_link_local_one_keeps_a_numeric_scope()
    {
        Assert.Equal("10.0.0.7", PortalResolver.Resolve(new Portal("a.example", 4420, Transport.Tcp), "k", Returns("::ffff:10.0.0.7"), CancellationToken.None).Address);
        var scoped = new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 3);
        var portal = PortalResolver.Resolve(new Portal("a.example", 4420, Transport.Tcp), "k", (_, _) => [scoped], CancellationToken.None);
        Assert.Equal("fe80::1%3", portal.Address);
    }

    [Fact]
    public void A_name_with_no_ip_address_or_a_resolver_error_is_invalid_input()
    {
        var none = Assert.Throws<InvalidInputException>(() => PortalResolver.Resolve(new Portal("a.example", 4420, Transport.Tcp), "target_portal", Returns(), CancellationToken.None));
        Assert.Equal("target_portal", none.KeyPath);
        Assert.Contains("resolves to no IPv4 or IPv6 address", none.Message);
        var failed = Assert.Throws<InvalidInputException>(() => PortalResolver.Resolve(new Portal("a.example", 4420, Transport.Tcp), "k",
            (_, _) => throw new SocketException((int)SocketError.TryAgain), CancellationToken.None));
        Assert.Contains("'a.example' does not resolve", failed.Message);
        Assert.IsType<SocketException>(failed.InnerException);
    }

    [Fact]
    public void Cancellation_is_not_turned_into_invalid_input()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            PortalResolver.Resolve(new Portal("localhost", 4420, Transport.Tcp), "k", PortalResolver.SystemResolver, cts.Token));
    }
}
