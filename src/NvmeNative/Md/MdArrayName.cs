using System.Text;

namespace NvmeNative.Md;

/// <summary>
/// The name of an array as mdadm's <c>--name</c> takes it: stored in the superblock as <c>any:NAME</c> and
/// used for the <c>/dev/md/NAME</c> link. At most 32 bytes, no '/', and (stricter than mdadm, so that the name is
/// safe as a file name and unambiguous next to the <c>host:</c> prefix) only ASCII letters, digits and <c>._+-</c>.
/// </summary>
public readonly record struct MdArrayName
{
    /// <summary>Longest name in bytes (the superblock's set_name field; mdadm's <c>--name</c> limit).</summary>
    public const int MaxBytes = 32;

    private MdArrayName(string value) => Value = value;

    /// <summary>The name, e.g. "volume-1".</summary>
    public string Value { get; }

    /// <summary>Validates a name; <see cref="MdInvalidInputException"/> says what is wrong.</summary>
    public static MdArrayName Parse(string text) =>
        Validate(text) is { } problem
            ? throw new MdInvalidInputException($"bad md array name '{text}': {problem}", "validate name")
            : new MdArrayName(text);

    /// <summary>Validates a name without throwing.</summary>
    public static bool TryParse(string? text, out MdArrayName name)
    {
        name = text is not null && Validate(text) is null ? new MdArrayName(text) : default;
        return name.Value is not null;
    }

    /// <summary>The name as the superblock's set_name carries it: "host:NAME" gives NAME; null when the
    /// remainder is not a valid <see cref="MdArrayName"/>.</summary>
    internal static MdArrayName? FromSetName(string setName)
    {
        int colon = setName.IndexOf(':');
        string bare = colon >= 0 ? setName[(colon + 1)..] : setName;
        return TryParse(bare, out var name) ? name : null;
    }

    private static string? Validate(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "it is empty";
        if (text.Contains('/'))
            return "it contains '/'";
        if (Encoding.UTF8.GetByteCount(text) > MaxBytes)
            return $"it is longer than {MaxBytes} bytes";
        if (text is "." or "..")
            return "it is a relative directory name";
        foreach (char c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-'))
                return $"character '{c}' is not allowed (use ASCII letters, digits and ._+-)";
        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
