using System.Text.RegularExpressions;

namespace NvmeNative.Errors;

/// <summary>
/// Keeps DH-HMAC-CHAP secrets out of every message and log. Redaction happens at the exception
/// and at the option types, so a caller that passes a raw connect string still cannot leak one.
/// </summary>
internal static partial class SecretRedactor
{
    internal const string Mask = "***";

    // Option tokens whose values are secrets. Keyring and tls_key carry key serial numbers, not keys.
    private static readonly string[] SecretTokens = ["dhchap_secret", "dhchap_ctrl_secret"];

    /// <summary>Replaces the value of every secret token in a fabrics option string.</summary>
    internal static string RedactConnectString(string options)
    {
        var parts = options.Split(',');
        for (int i = 0; i < parts.Length; i++)
        {
            int eq = parts[i].IndexOf('=');
            if (eq > 0 && Array.IndexOf(SecretTokens, parts[i][..eq].Trim()) >= 0)
                parts[i] = parts[i][..(eq + 1)] + Mask;
        }
        return string.Join(',', parts);
    }

    /// <summary>Masks anything shaped like an NVMe in-band authentication secret ("DHHC-1:..") in free text.</summary>
    internal static string RedactFreeText(string text) =>
        text.Contains("DHHC-1:", StringComparison.Ordinal) ? DhchapKey().Replace(text, "DHHC-1:" + Mask) : text;

    [GeneratedRegex(@"DHHC-1:[0-9A-Za-z+/=:]*")]
    private static partial Regex DhchapKey();
}
