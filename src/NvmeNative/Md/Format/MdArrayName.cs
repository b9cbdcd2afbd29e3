using System.Collections.Immutable;
using System.Text;

namespace NvmeNative.Md.Format;

/// <summary>
/// The name of an md array (mdadm's --name), validated before anything is written. mdadm 4.2 refuses names
/// over 32 characters ("name '…' is too long, 32 chars max"); we count UTF-8 bytes, since set_name holds bytes.
/// We also refuse what mdadm lets through but that would break /dev/md/NAME or a /run/mdadm/map line: '/', NUL,
/// control characters, white space, "." and "..".
/// </summary>
internal sealed record MdArrayName
{
    /// <summary>mdadm's limit for --name.</summary>
    internal const int MaxBytes = 32;

    /// <summary>The homehost os-brick passes (--homehost=any): such arrays count as local on every host.</summary>
    internal const string AnyHost = "any";

    private MdArrayName(string value) => Value = value;

    internal string Value { get; }

    /// <exception cref="MdArgumentException">The name is empty, too long, or has a character we refuse.</exception>
    internal static MdArrayName Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
            throw new MdArgumentException("an md array name cannot be empty", "name");
        int bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            throw new MdArgumentException($"md array name '{name}' is not valid Unicode", "name");
        }
        if (bytes > MaxBytes)
            throw new MdArgumentException($"md array name '{name}' is {bytes} bytes; mdadm allows at most {MaxBytes}", "name");
        if (name is "." or "..")
            throw new MdArgumentException($"md array name '{name}' cannot be used as /dev/md/{name}", "name");
        foreach (char c in name)
        {
            if (c == '/')
                throw new MdArgumentException($"md array name '{name}' contains '/' (it becomes the path /dev/md/NAME)", "name");
            if (char.IsControl(c) || char.IsWhiteSpace(c))
                throw new MdArgumentException(
                    $"md array name '{name}' contains U+{(int)c:X4}; control and space characters break /dev/md/NAME and /run/mdadm/map", "name");
        }
        return new MdArrayName(name);
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
        var bytes = new byte[32];
        byte[] name = Encoding.UTF8.GetBytes(Value);
        if (homehost is not null && !Value.Contains(':', StringComparison.Ordinal)
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

    public override string ToString() => Value;
}
