using System.Net;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// One network address of an NVMe-oF subsystem: where to connect (address, port) and how (transport).
/// Validated on construction, so a portal can always be turned into option-string text unchanged.
/// </summary>
/// <remarks>
/// The address is a numeric IPv4 address (dotted quad, no leading zeros), an IPv6 address (compressed to its
/// canonical form, optional <c>%scope</c>, brackets removed) or a DNS host name (lowercased; the kernel cannot
/// resolve names, so a connector resolves it before connecting). Only the network transports (tcp, rdma)
/// have portals.
/// </remarks>
public sealed record Portal
{
    /// <summary>Creates a validated portal.</summary>
    /// <exception cref="InvalidInputException">The address, port or transport is not valid for a portal.</exception>
    public Portal(string address, int port, Transport transport)
    {
        Address = NormalizeAddress(address, out IPAddress? ip, out string? error)
            ?? throw new InvalidInputException(error!, "create portal", "address");
        IpAddress = ip;
        if (port is < 1 or > ushort.MaxValue)
            throw new InvalidInputException($"{port} is not a TCP/IP port: expected 1..65535", "create portal", "port");
        Port = (ushort)port;
        if (transport is not (Transport.Tcp or Transport.Rdma))
            throw new InvalidInputException($"a portal's transport is tcp or rdma, not {transport.KernelName()}", "create portal", "transport");
        Transport = transport;
    }

    /// <summary>The normalized address: IP literal or lowercase host name.</summary>
    public string Address { get; }

    /// <summary>The address as an <see cref="IPAddress"/>, or null when it is a host name.</summary>
    public IPAddress? IpAddress { get; }

    /// <summary>True when <see cref="Address"/> is a host name that must be resolved before connecting.</summary>
    public bool IsHostName => IpAddress is null;

    /// <summary>The transport service ID (TCP/RDMA port), e.g. 4420.</summary>
    public ushort Port { get; }

    /// <summary>tcp or rdma.</summary>
    public Transport Transport { get; }

    /// <summary><c>tcp://10.0.0.1:4420</c> (IPv6 in brackets).</summary>
    public override string ToString() =>
        $"{Transport.KernelName()}://{(Address.Contains(':') ? "[" + Address + "]" : Address)}:{Port}";

    /// <summary>Returns the normalized address, or null with <paramref name="error"/> set.</summary>
    internal static string? NormalizeAddress(string? address, out IPAddress? ip, out string? error)
    {
        ip = null;
        error = null;
        if (string.IsNullOrEmpty(address))
        {
            error = "the address is empty";
            return null;
        }
        string text = address.Length > 2 && address[0] == '[' && address[^1] == ']' ? address[1..^1] : address;
        if (InputText.FindInjection(text) is string bad)
        {
            error = $"the address {InputText.Quote(address)} contains {bad}";
            return null;
        }
        bool bracketed = !ReferenceEquals(text, address);
        if ((!bracketed || text.Contains(':')) && NetworkAddress.TryParseIp(text, out ip, out string? canonical))
            return canonical;
        if (bracketed || text.Contains(':'))
        {
            error = $"{InputText.Quote(address)} is not a valid IPv6 address";
            return null;
        }
        if (NetworkAddress.IsHostName(text))
            return text.ToLowerInvariant();
        error = $"{InputText.Quote(address)} is neither an IP address (IPv4 as a dotted quad without leading zeros) nor a host name";
        return null;
    }
}
