using System.Net.Sockets;
using System.Net;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// Turns a host-name portal into a numeric one, because the kernel's <c>traddr=</c> takes only numeric
/// addresses (inet_pton_with_scope). Done in user space before anything touches the kernel, the way libnvme's
/// <c>hostname2traddr</c> does it: ask the system resolver (getaddrinfo, so /etc/hosts and nsswitch apply) for
/// any address family and take the FIRST address in the resolver's order (RFC 6724 sorting, gai.conf): the
/// same choice nvme-cli makes, so both tools connect to the same address. IPv6 results come out in the
/// compressed canonical form (with a numeric scope for link-local), so the kernel infers the matching address
/// family from the text alone and the controller's sysfs address compares equal to the portal.
/// </summary>
internal static class PortalResolver
{
    internal const string Operation = "resolve portal address";

    /// <summary>Looks up the addresses of a host name (the system resolver, or a fake in unit tests).</summary>
    internal delegate IPAddress[] Lookup(string hostName, CancellationToken ct);

    /// <summary>
    /// The system resolver (getaddrinfo through the BCL), synchronous: the calling thread does the lookup, which
    /// cannot be interrupted once started (getaddrinfo is bounded by the resolver's own timeouts); cancellation is
    /// checked before it. <see cref="ResolveAsync"/> awaits the BCL's asynchronous lookup instead, which honours it.
    /// </summary>
    internal static readonly Lookup SystemResolver = static (host, ct) =>
    {
        ct.ThrowIfCancellationRequested();
        return Dns.GetHostAddresses(host, AddressFamily.Unspecified);
    };

    /// <summary>
    /// The portal itself when its address is numeric; otherwise a portal at the first IPv4/IPv6 address the
    /// name resolves to, same port and transport.
    /// </summary>
    /// <param name="portal">The portal as parsed.</param>
    /// <param name="keyPath">Where the address came from in the input, for the error (e.g. <c>portals[0][0]</c>).</param>
    /// <param name="lookup">The resolver.</param>
    /// <param name="ct">Cancels a slow lookup.</param>
    /// <exception cref="InvalidInputException">The name does not resolve to any IP address.</exception>
    internal static Portal Resolve(Portal portal, string keyPath, Lookup lookup, CancellationToken ct)
    {
        var resolved = ResolveAsync(portal, keyPath, lookup, async: false, ct);
        System.Diagnostics.Debug.Assert(resolved.IsCompleted);
        return resolved.GetAwaiter().GetResult();
    }

    /// <summary>
    /// As <see cref="Resolve"/>; with <paramref name="async"/> and the system resolver, the lookup is awaited
    /// (<see cref="Dns.GetHostAddressesAsync(string, AddressFamily, CancellationToken)"/>), so cancellation ends it.
    /// </summary>
    internal static async ValueTask<Portal> ResolveAsync(Portal portal, string keyPath, Lookup lookup, bool async, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(portal);
        if (!portal.IsHostName)
            return portal;
        IPAddress[] addresses;
        try
        {
            addresses = async && lookup == SystemResolver
                ? await Dns.GetHostAddressesAsync(portal.Address, AddressFamily.Unspecified, ct).ConfigureAwait(false)
                : lookup(portal.Address, ct);
        }
        catch (SocketException e)
        {
            throw new InvalidInputException($"the host name '{portal.Address}' does not resolve: {e.Message} ({e.SocketErrorCode})",
                Operation, keyPath, innerException: e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException($"the host name '{portal.Address}' cannot be looked up: {e.Message}", Operation, keyPath, innerException: e);
        }
        IPAddress ip = addresses.FirstOrDefault(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            ?? throw new InvalidInputException($"the host name '{portal.Address}' resolves to no IPv4 or IPv6 address", Operation, keyPath);
        return new Portal(Numeric(ip), portal.Port, portal.Transport);
    }

    /// <summary>
    /// The text the kernel parses: dotted quad, or compressed IPv6 with a numeric scope id when it has one
    /// (an IPv4-mapped IPv6 address is connected as the IPv4 address it maps).
    /// </summary>
    internal static string Numeric(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
            return ip.ToString();
        string text = new IPAddress(ip.GetAddressBytes()).ToString(); // without the scope
        return ip.ScopeId != 0 ? text + "%" + ip.ScopeId.ToString(System.Globalization.CultureInfo.InvariantCulture) : text;
    }
}
