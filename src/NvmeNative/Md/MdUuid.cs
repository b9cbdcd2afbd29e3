using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace NvmeNative.Md;

/// <summary>
/// An array's 16-byte uuid (the superblock's set_uuid), with the spellings the md world uses for it:
/// mdadm's <c>--detail</c>/<c>--examine</c> form (bytes in order, four colon-separated groups), the kernel's
/// <c>md/uuid</c> form (<c>%pU</c>: bytes in order, 8-4-4-4-12) and mdadm's map-file form (four host-endian words).
/// </summary>
public readonly struct MdUuid : IEquatable<MdUuid>
{
    private readonly byte[]? _bytes;

    /// <summary>Wraps 16 bytes (copied).</summary>
    public MdUuid(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 16)
            throw new ArgumentException("an md uuid is 16 bytes", nameof(bytes));
        _bytes = bytes.ToArray();
    }

    /// <summary>The 16 bytes as they are stored in the superblock.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? new byte[16];

    /// <summary>A random uuid, as mdadm draws one from /dev/urandom for a new array.</summary>
    public static MdUuid NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return new MdUuid(bytes);
    }

    /// <summary>mdadm's form, e.g. "0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9" (what --detail prints as UUID).</summary>
    public string ToMdadmString()
    {
        byte[] bytes = Bytes.ToArray();
        return string.Join(':', Enumerable.Range(0, 4).Select(i => Convert.ToHexStringLower(bytes, 4 * i, 4)));
    }

    /// <summary>The kernel's md/uuid form, e.g. "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9".</summary>
    public string ToKernelString()
    {
        string hex = Convert.ToHexStringLower(Bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>
    /// The form of /run/mdadm/map: mdadm copies set_uuid into int[4] and prints each int with %08x, so each word
    /// is a host-endian read of four bytes (byte-reversed per group on little-endian machines).
    /// </summary>
    internal string ToMapFileString()
    {
        byte[] bytes = Bytes.ToArray();
        return string.Join(':', Enumerable.Range(0, 4).Select(i =>
            MemoryMarshal.Read<uint>(bytes.AsSpan(4 * i, 4)).ToString("x8", CultureInfo.InvariantCulture)));
    }

    /// <summary>Parses the map-file form back.</summary>
    internal static bool TryParseMapFileString(string text, out MdUuid uuid)
    {
        uuid = default;
        var words = text.Split(':');
        if (words.Length != 4)
            return false;
        Span<byte> bytes = stackalloc byte[16];
        for (int i = 0; i < 4; i++)
        {
            if (!uint.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint word))
                return false;
            MemoryMarshal.Write(bytes.Slice(4 * i, 4), in word);
        }
        uuid = new MdUuid(bytes);
        return true;
    }

    /// <summary>Parses the mdadm form (colons) or the kernel form (dashes); separators are ignored, 32 hex digits are required.</summary>
    public static MdUuid Parse(string text) =>
        TryParse(text, out var uuid) ? uuid : throw new FormatException($"'{text}' is not an md uuid");

    /// <summary>Parses the mdadm form (colons) or the kernel form (dashes).</summary>
    public static bool TryParse(string? text, out MdUuid uuid)
    {
        uuid = default;
        if (text is null)
            return false;
        string hex = text.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim();
        if (hex.Length != 32 || !hex.All(char.IsAsciiHexDigit))
            return false;
        uuid = new MdUuid(Convert.FromHexString(hex));
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(MdUuid other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MdUuid other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(Bytes);

    /// <summary>Equality of the 16 bytes.</summary>
    public static bool operator ==(MdUuid left, MdUuid right) => left.Equals(right);

    /// <summary>Inequality of the 16 bytes.</summary>
    public static bool operator !=(MdUuid left, MdUuid right) => !left.Equals(right);

    /// <summary>The mdadm form.</summary>
    public override string ToString() => ToMdadmString();
}
