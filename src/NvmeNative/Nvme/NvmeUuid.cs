using System.Diagnostics.CodeAnalysis;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// A 128-bit UUID as NVMe and the kernel print it: lowercase, hyphenated 8-4-4-4-12 (<c>%pU</c>). Used for
/// namespace UUIDs (the sysfs <c>uuid</c> attribute), host IDs and volume IDs.
/// </summary>
/// <remarks>
/// Parsing accepts what os-brick's <c>uuid.UUID()</c> accepts: any case, with or without hyphens (anywhere),
/// optionally in braces; exactly 32 hexadecimal digits. The text form is always normalized.
/// </remarks>
public readonly record struct NvmeUuid : ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>Wraps a <see cref="System.Guid"/> (its "D" text form is the UUID's text form).</summary>
    public NvmeUuid(Guid value) => Value = value;

    /// <summary>The value as a <see cref="System.Guid"/>.</summary>
    public Guid Value { get; }

    /// <summary>True for the all-zero UUID, which the kernel treats as "no UUID" (and hides from sysfs).</summary>
    public bool IsZero => Value == Guid.Empty;

    /// <summary>A new random (version 4) UUID.</summary>
    public static NvmeUuid NewRandom() => new(Guid.NewGuid());

    /// <summary>Parses a UUID in any of the accepted forms.</summary>
    /// <exception cref="InvalidInputException">Not 32 hexadecimal digits.</exception>
    public static NvmeUuid Parse(string text) =>
        TryParse(text, out var uuid) ? uuid : throw new InvalidInputException(Describe(text, "UUID"), "parse UUID", "uuid");

    /// <summary>Parses a UUID; false when <paramref name="text"/> is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out NvmeUuid uuid)
    {
        bool ok = UuidText.TryParse(text, out Guid guid);
        uuid = new NvmeUuid(guid);
        return ok;
    }

    internal static string Describe(string? text, string what) =>
        $"{InputText.Quote(text)} is not a {what}: expected 32 hexadecimal digits, with or without hyphens";

    /// <summary>Lowercase, hyphenated: <c>c20aba21-6ef6-446b-b374-45733b4883ba</c>.</summary>
    public override string ToString() => Value.ToString("D");

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(destination, out charsWritten, "D");

    /// <inheritdoc/>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(utf8Destination, out bytesWritten, "D");
}

/// <summary>The lenient UUID text parser shared by <see cref="NvmeUuid"/> and <see cref="Nguid"/>.</summary>
internal static class UuidText
{
    internal static bool TryParse(string? text, out Guid value)
    {
        value = Guid.Empty;
        if (text is null)
            return false;
        ReadOnlySpan<char> s = text;
        if (s.Length >= 2 && s[0] == '{' && s[^1] == '}')
            s = s[1..^1];
        Span<char> hex = stackalloc char[32];
        int n = 0;
        foreach (char c in s)
        {
            if (c == '-')
                continue;
            if (!char.IsAsciiHexDigit(c) || n == 32)
                return false;
            hex[n++] = c;
        }
        return n == 32 && Guid.TryParseExact(hex, "N", out value);
    }
}
