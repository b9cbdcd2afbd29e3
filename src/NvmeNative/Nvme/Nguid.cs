using System.Diagnostics.CodeAnalysis;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// A namespace globally unique identifier (NGUID, 128 bits). The kernel prints the sysfs <c>nguid</c> attribute
/// like a UUID (<c>%pU</c>: lowercase 8-4-4-4-12), and so does <see cref="ToString()"/>. A separate type from
/// <see cref="NvmeUuid"/> so that the two identifiers cannot be confused.
/// </summary>
public readonly record struct Nguid : ISpanFormattable, IUtf8SpanFormattable
{
    /// <summary>Wraps the 16 bytes, in the text order of <see cref="Guid"/>'s "N" form.</summary>
    public Nguid(Guid value) => Value = value;

    /// <summary>The value.</summary>
    public Guid Value { get; }

    /// <summary>True for the all-zero NGUID, which means "none" (the kernel hides the attribute).</summary>
    public bool IsZero => Value == Guid.Empty;

    /// <summary>Parses an NGUID: 32 hexadecimal digits, any case, hyphens optional (as os-brick accepts).</summary>
    /// <exception cref="InvalidInputException">Not 32 hexadecimal digits.</exception>
    public static Nguid Parse(string text) =>
        TryParse(text, out var nguid) ? nguid : throw new InvalidInputException(NvmeUuid.Describe(text, "NGUID"), "parse NGUID", "nguid");

    /// <summary>Parses an NGUID; false when <paramref name="text"/> is not one.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Nguid nguid)
    {
        bool ok = UuidText.TryParse(text, out Guid guid);
        nguid = new Nguid(guid);
        return ok;
    }

    /// <summary>The sysfs form: lowercase, hyphenated 8-4-4-4-12.</summary>
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
