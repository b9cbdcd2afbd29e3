using System.Collections.Immutable;
using System.Text;
using NvmeNative.Errors;

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

    /// <summary>The homehost os-brick passes (--homehost=any): such arrays count as local on every host.</summary>
    internal const string AnyHost = "any";

    private MdArrayName(string value) => Value = value;

    /// <summary>The name, e.g. "volume-1".</summary>
    public string Value { get; }

    /// <summary>Validates a name; an <see cref="InvalidInputException"/> says what is wrong.</summary>
    public static MdArrayName Parse(string text) =>
        Validate(text) is { } problem
            ? throw new InvalidInputException($"bad md array name '{text}': {problem}", "validate name", "name")
            : new MdArrayName(text);

    /// <summary>Validates a name without throwing.</summary>
    public static bool TryParse(string? text, out MdArrayName name)
    {
        name = text is not null && Validate(text) is null ? new MdArrayName(text) : default;
        return name.Value is not null;
    }

    /// <summary>
    /// A name under mdadm's own, looser rules: any Unicode up to 32 UTF-8 bytes (mdadm 4.2: "name '…' is too long, 32
    /// chars max"), minus what would break /dev/md/NAME or a /run/mdadm/map line ('/', control and space characters,
    /// "." and ".."). The on-disk format layer takes these, so that set_name is composed byte for byte as mdadm does
    /// for any name mdadm accepts (the golden fixtures include a name with ':'); callers of the public API get
    /// <see cref="Parse"/>'s stricter rules.
    /// </summary>
    internal static MdArrayName ParseMdadmName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return MdadmProblem(name) is { } problem
            ? throw new InvalidInputException($"bad md array name '{name}': {problem}", "validate name", "name")
            : new MdArrayName(name);
    }

    /// <summary>The name as the superblock's set_name carries it: "host:NAME" gives NAME; null when the
    /// remainder is not a valid <see cref="MdArrayName"/>.</summary>
    internal static MdArrayName? FromSetName(string setName)
    {
        int colon = setName.IndexOf(':');
        string bare = colon >= 0 ? setName[(colon + 1)..] : setName;
        return TryParse(bare, out var name) ? name : null;
    }

    /// <summary>
    /// The set_name mdadm 4.2 stores (super1.c init_super1): "homehost:NAME" when NAME has no ':' and
    /// homehost + 1 + NAME is under 32 bytes; otherwise NAME alone, cut to 31 bytes. So with homehost "any"
    /// names of up to 27 bytes get the "any:" prefix and longer ones do not (a 32-byte name loses its last byte).
    /// </summary>
    internal string SetNameFor(string? homehost = AnyHost)
    {
        ReadOnlySpan<byte> bytes = SetNameBytesFor(homehost).AsSpan();
        int nul = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? bytes : bytes[..nul]);
    }

    /// <summary>The 32 set_name bytes for <see cref="SetNameFor"/>, cut byte-wise as mdadm does.</summary>
    internal ImmutableArray<byte> SetNameBytesFor(string? homehost = AnyHost)
    {
        string value = Value ?? throw new InvalidOperationException("default(MdArrayName) has no name");
        var bytes = new byte[32];
        byte[] name = Encoding.UTF8.GetBytes(value);
        if (homehost is not null && !value.Contains(':', StringComparison.Ordinal)
            && Encoding.UTF8.GetByteCount(homehost) + 1 + name.Length < 32)
        {
            int n = Encoding.UTF8.GetBytes(homehost + ":", bytes);
            name.CopyTo(bytes, n);
        }
        else
        {
            name.AsSpan(0, Math.Min(name.Length, 31)).CopyTo(bytes);
        }
        return ImmutableArray.Create(bytes);
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

    private static string? MdadmProblem(string name)
    {
        if (name.Length == 0)
            return "an md array name cannot be empty";
        int bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            return "it is not valid Unicode";
        }
        if (bytes > MaxBytes)
            return $"it is {bytes} bytes; mdadm allows at most {MaxBytes}";
        if (name is "." or "..")
            return $"it cannot be used as /dev/md/{name}";
        foreach (char c in name)
        {
            if (c == '/')
                return "it contains '/' (it becomes the path /dev/md/NAME)";
            if (char.IsControl(c) || char.IsWhiteSpace(c))
                return $"it contains U+{(int)c:X4}; control and space characters break /dev/md/NAME and /run/mdadm/map";
        }
        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => Value ?? "";
}
