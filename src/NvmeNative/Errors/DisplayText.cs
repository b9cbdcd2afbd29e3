using System.Globalization;
using System.Text;

namespace NvmeNative.Errors;

/// <summary>
/// Makes text from input safe to print on a terminal or in a log line: control characters (C0 and C1, among them
/// ESC and CSI, which start terminal escape sequences, and newlines, which would forge a second line) and invisible
/// format characters (bidirectional overrides that reorder what is shown) are written as escapes. Every message of
/// the exception family goes through it, so no value from a caller, a file or a device reaches stderr raw.
/// </summary>
internal static class DisplayText
{
    /// <summary>The text with every control or format character escaped (\n, \r, \t, \0, else \uXXXX); unchanged when it has none.</summary>
    internal static string Escape(string text)
    {
        int first = IndexOfUnsafe(text);
        if (first < 0)
            return text;
        var escaped = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            _ = IsUnsafe(c)
                ? c switch
                {
                    '\n' => escaped.Append("\\n"),
                    '\r' => escaped.Append("\\r"),
                    '\t' => escaped.Append("\\t"),
                    '\0' => escaped.Append("\\0"),
                    _ => escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                }
                : escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>True for a character that must not be printed raw.</summary>
    internal static bool IsUnsafe(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
            if (IsUnsafe(text[i]))
                return i;
        return -1;
    }
}
