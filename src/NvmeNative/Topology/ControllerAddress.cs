using System.Net;
using NvmeNative.Nvme;

namespace NvmeNative.Topology;

/// <summary>
/// A controller's sysfs <c>address</c> attribute, parsed as the comma-separated <c>key=value</c> list the
/// kernel prints (<c>traddr=..,trsvcid=..[,host_traddr=..][,host_iface=..][,src_addr=..]</c>). Fields are
/// compared one by one, never the raw string: 6.1+ kernels append <c>src_addr</c>, which broke os-brick's
/// whole-string match (Launchpad #2035811). PCIe controllers print a bare PCI address, kept as <see cref="TrAddr"/>.
/// </summary>
public sealed class ControllerAddress
{
    private ControllerAddress(string raw, IReadOnlyDictionary<string, string> fields, string? bareAddress)
    {
        Raw = raw;
        Fields = fields;
        TrAddr = bareAddress ?? fields.GetValueOrDefault("traddr");
    }

    /// <summary>The attribute as the kernel printed it (without the trailing newline).</summary>
    public string Raw { get; }

    /// <summary>Every key=value field, including ones this library does not interpret.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>The target address (<c>traddr</c>), or the PCI address of a PCIe controller.</summary>
    public string? TrAddr { get; }

    /// <summary>The target service id (<c>trsvcid</c>); the kernel fills in a default for TCP.</summary>
    public string? TrSvcId => Fields.GetValueOrDefault("trsvcid");

    /// <summary>The host address the controller was bound to (<c>host_traddr</c>), if one was given at connect.</summary>
    public string? HostTrAddr => Fields.GetValueOrDefault("host_traddr");

    /// <summary>The host interface the controller was bound to (<c>host_iface</c>), if one was given at connect.</summary>
    public string? HostIface => Fields.GetValueOrDefault("host_iface");

    /// <summary>The local address of the live admin connection (<c>src_addr</c>, TCP on 6.1+, only while connected).</summary>
    public string? SrcAddr => Fields.GetValueOrDefault("src_addr");

    /// <summary>Parses the attribute text.</summary>
    public static ControllerAddress Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        string text = raw.Trim();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!text.Contains('='))
            return new ControllerAddress(text, fields, text.Length == 0 ? null : text);
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0)
                fields[part[..eq]] = part[(eq + 1)..];
        }
        return new ControllerAddress(text, fields, null);
    }

    /// <summary>
    /// True when this address is the portal's: same target address (as IP addresses when both are, so
    /// <c>::1</c> equals <c>0:0::1</c>), same port number, and, only when they are given, the same host address
    /// (<c>host_traddr</c>) and host interface (<c>host_iface</c>). <c>src_addr</c> is never compared: it is
    /// where the kernel happened to connect from, not a binding. The transport is the controller's, checked by
    /// the caller.
    /// </summary>
    public bool Matches(Portal portal, string? hostTransportAddress = null, string? hostInterface = null)
    {
        ArgumentNullException.ThrowIfNull(portal);
        if (TrAddr is null || !SameAddress(TrAddr, portal.Address))
            return false;
        if (!int.TryParse(TrSvcId, System.Globalization.NumberStyles.None, null, out int port) || port != portal.Port)
            return false;
        if (hostTransportAddress is not null && (HostTrAddr is null || !SameAddress(HostTrAddr, hostTransportAddress)))
            return false;
        if (hostInterface is not null && !string.Equals(HostIface, hostInterface, StringComparison.Ordinal))
            return false;
        return true;
    }

    /// <summary>IP addresses compare as addresses (scope included); anything else case-insensitively as a name.</summary>
    internal static bool SameAddress(string a, string b) =>
        IPAddress.TryParse(a, out var ipA) && IPAddress.TryParse(b, out var ipB)
            ? ipA.Equals(ipB)
            : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override string ToString() => Raw;
}
