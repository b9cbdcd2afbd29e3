using System.Globalization;
using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>
/// The kernel name of an md device: <c>mdN</c> (block major 9, minor N) as mdadm allocates them, or
/// <c>md_NAME</c> for arrays the kernel created by name. Its node is <c>/dev/&lt;name&gt;</c> and its sysfs
/// directory <c>/sys/block/&lt;name&gt;/md</c>.
/// </summary>
public readonly record struct MdDeviceName
{
    /// <summary>Highest minor an <c>mdN</c> name may have (the kernel's MINORMASK is far larger, but md's
    /// open-to-create path and mdadm stop at 511).</summary>
    internal const int MaxMinor = 511;

    private MdDeviceName(string value) => Value = value;

    /// <summary>The name, e.g. "md127".</summary>
    public string Value { get; }

    /// <summary>The minor number for an <c>mdN</c> name; null for a named (<c>md_NAME</c>) device.</summary>
    public int? Minor => Value is { Length: > 2 } value && char.IsAsciiDigit(value[2])
        ? int.Parse(value.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture)
        : null;

    /// <summary>The <c>mdN</c> name of a minor number.</summary>
    public static MdDeviceName FromMinor(int minor) =>
        minor is >= 0 and <= MaxMinor
            ? new MdDeviceName("md" + minor.ToString(CultureInfo.InvariantCulture))
            : throw new ArgumentOutOfRangeException(nameof(minor), minor, $"md minors are 0..{MaxMinor}");

    /// <summary>Parses "md127", "md_data" or a node path such as "/dev/md127".</summary>
    public static MdDeviceName Parse(string text) =>
        TryParse(text, out var name)
            ? name
            : throw new InvalidInputException($"'{text}' is not an md device name (mdN or md_NAME)", "parse md device name", "device");

    /// <summary>Parses "md127", "md_data" or a node path such as "/dev/md127".</summary>
    public static bool TryParse(string? text, out MdDeviceName name)
    {
        name = default;
        if (string.IsNullOrEmpty(text))
            return false;
        string value = text.StartsWith("/dev/", StringComparison.Ordinal) ? text[5..] : text;
        if (!value.StartsWith("md", StringComparison.Ordinal) || value.Length < 3 || value.Length > 31)
            return false;
        var rest = value.AsSpan(2);
        if (rest[0] == '_')
        {
            foreach (char c in rest[1..])
                if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                    return false;
            if (rest.Length < 2)
                return false;
        }
        else
        {
            foreach (char c in rest)
                if (!char.IsAsciiDigit(c))
                    return false;
            if ((rest.Length > 1 && rest[0] == '0') || !int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int minor) || minor > MaxMinor)
                return false;
        }
        name = new MdDeviceName(value);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
