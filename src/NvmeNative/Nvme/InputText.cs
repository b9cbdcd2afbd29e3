using System.Globalization;
using System.Text;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// Checks and quotes text that will end up in a /dev/nvme-fabrics option string. The kernel splits that string
/// with strsep(",\n") and has no quoting, so a ',' or newline in a value starts a new option; '=' separates a
/// token from its value; the kernel trims nothing, so whitespace becomes part of the value; and a NUL ends the
/// string early. Values are therefore refused if they contain any of these.
/// </summary>
internal static class InputText
{
    private const int QuoteLimit = 80;

    /// <summary>
    /// Describes the first character of <paramref name="value"/> that could change the meaning of an option
    /// string, or null when there is none. <paramref name="allowEquals"/> admits '=' (DH-HMAC-CHAP secrets carry
    /// base64 padding, which the kernel's "%s" match accepts).
    /// </summary>
    internal static string? FindInjection(string value, bool allowEquals = false)
    {
        foreach (char c in value)
        {
            string? what = c switch
            {
                ',' => "',' (the kernel would start a new option there)",
                '=' when !allowEquals => "'=' (it separates an option token from its value)",
                '\n' => "a newline (the kernel would start a new option there)",
                '\0' => "a NUL character (it would end the option string)",
                _ when char.IsControl(c) => $"the control character U+{(int)c:X4}",
                _ when char.IsWhiteSpace(c) => $"whitespace U+{(int)c:X4} (the kernel does not trim values)",
                _ when DisplayText.IsUnsafe(c) => $"the invisible format character U+{(int)c:X4} (it would change how the value is shown)",
                _ => null,
            };
            if (what is not null)
                return what;
        }
        return null;
    }

    /// <summary>A value for an error message: quoted, control characters escaped, long values cut short.</summary>
    internal static string Quote(string? value)
    {
        if (value is null)
            return "null";
        string redacted = SecretRedactor.RedactFreeText(value);
        var text = new StringBuilder(Math.Min(redacted.Length, QuoteLimit) + 8).Append('"');
        for (int i = 0; i < redacted.Length && i < QuoteLimit; i++)
        {
            char c = redacted[i];
            _ = c switch
            {
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                '\0' => text.Append("\\0"),
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                _ when char.IsControl(c) => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }
        if (redacted.Length > QuoteLimit)
            text.Append("...");
        return text.Append('"').ToString();
    }

    /// <summary>True for a non-empty run of ASCII decimal digits (no sign, no spaces, no hex).</summary>
    internal static bool IsDecimalDigits(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        foreach (char c in text)
            if (c is < '0' or > '9')
                return false;
        return true;
    }
}
