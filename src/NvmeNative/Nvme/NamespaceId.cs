using System.Globalization;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// A namespace ID (NSID): 1 to 0xFFFFFFFE. 0 is invalid and 0xFFFFFFFF is the broadcast value, so neither
/// names a namespace. Compared as a number, so "010" and 10 are the same namespace (os-brick compares the
/// string, and an integer ns_id never matched sysfs there).
/// </summary>
public readonly record struct NamespaceId
{
    /// <summary>The largest valid NSID.</summary>
    public const uint MaxValue = 0xFFFFFFFE;

    /// <summary>Creates a namespace ID.</summary>
    /// <exception cref="InvalidInputException"><paramref name="value"/> is 0 or 0xFFFFFFFF.</exception>
    public NamespaceId(uint value)
    {
        if (value is 0 or > MaxValue)
            throw new InvalidInputException($"{value} is not a namespace ID: valid NSIDs are 1..{MaxValue}", "parse namespace ID", "nsid");
        Value = value;
    }

    /// <summary>The NSID.</summary>
    public uint Value { get; }

    /// <summary>Parses decimal digits (no sign, no hex) into a valid NSID; false otherwise.</summary>
    public static bool TryParse(string? text, out NamespaceId nsid)
    {
        nsid = default;
        if (text is null || !InputText.IsDecimalDigits(text) ||
            !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) || v is 0 or > MaxValue)
            return false;
        nsid = new NamespaceId((uint)v);
        return true;
    }

    /// <summary>Decimal, as sysfs prints the <c>nsid</c> attribute.</summary>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
