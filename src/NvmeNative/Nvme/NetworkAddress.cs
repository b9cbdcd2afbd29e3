using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NvmeNative.Nvme;

/// <summary>
/// Strict parsing of the addresses that go into <c>traddr=</c>/<c>host_traddr=</c>: numeric IPv4 and IPv6 the
/// way the kernel's inet_pton_with_scope reads them, and DNS host names (which the kernel cannot use; they must
/// be resolved in user space first).
/// </summary>
internal static class NetworkAddress
{
    private const int MaxHostNameLength = 253;

    /// <summary>
    /// Parses a numeric IP address. IPv4 must be a dotted quad of decimal numbers without leading zeros
    /// (BCL parsing would read "010" as octal and "127.1" as 127.0.0.1; the kernel reads neither). IPv6 may
    /// carry a <c>%scope</c> (interface name or index). <paramref name="canonical"/> is the compressed form.
    /// </summary>
    internal static bool TryParseIp(string text, [NotNullWhen(true)] out IPAddress? ip, [NotNullWhen(true)] out string? canonical)
    {
        ip = null;
        canonical = null;
        if (text.Contains(':'))
        {
            int percent = text.IndexOf('%');
            string address = percent < 0 ? text : text[..percent];
            string? scope = percent < 0 ? null : text[(percent + 1)..];
            if (scope is not null && !IsInterfaceName(scope))
                return false;
            if (!IPAddress.TryParse(address, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
            ip = parsed;
            canonical = parsed.ToString() + (scope is null ? "" : "%" + scope);
            return true;
        }
        return TryParseIPv4(text, out ip, out canonical);
    }

    private static bool TryParseIPv4(string text, [NotNullWhen(true)] out IPAddress? ip, [NotNullWhen(true)] out string? canonical)
    {
        ip = null;
        canonical = null;
        Span<byte> bytes = stackalloc byte[4];
        if (!TryParseIPv4(text, bytes))
            return false;
        ip = new IPAddress(bytes);
        canonical = text;
        return true;
    }

    /// <summary>True for a numeric IP address as <see cref="TryParseIp"/> reads it; allocation-free for IPv4.</summary>
    internal static bool IsIp(string text)
    {
        if (text.Contains(':'))
            return TryParseIp(text, out _, out _);
        Span<byte> bytes = stackalloc byte[4];
        return TryParseIPv4(text, bytes);
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        int part = 0;
        foreach (var range in text.Split('.'))
        {
            var p = text[range];
            if (part == 4 || p.Length is 0 or > 3 || !InputText.IsDecimalDigits(p) || (p.Length > 1 && p[0] == '0'))
                return false;
            int v = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (v > 255)
                return false;
            bytes[part++] = (byte)v;
        }
        return part == 4;
    }

    /// <summary>An RFC 1123 host name: dot-separated labels of letters, digits and '-', not all numeric.</summary>
    internal static bool IsHostName(string text)
    {
        string name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length is 0 or > MaxHostNameLength)
            return false;
        bool sawLetter = false;
        foreach (string label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (char c in label)
            {
                if (char.IsAsciiLetter(c))
                    sawLetter = true;
                else if (!char.IsAsciiDigit(c) && c != '-')
                    return false;
            }
        }
        return sawLetter; // "1.2.3" is a malformed IPv4 address, not a host name
    }

    /// <summary>A Linux network interface name (dev_valid_name): 1..15 bytes, no '/', ':' or whitespace, not "." or "..".</summary>
    internal static bool IsInterfaceName(string name)
    {
        if (name.Length is 0 or > 15 || name is "." or "..")
            return false;
        foreach (char c in name)
            if (c is '/' or ':' or ',' or '=' or '%' || c > 0x7e || char.IsWhiteSpace(c) || char.IsControl(c))
                return false;
        return true;
    }
}
