using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using NvmeNative.Errors;

namespace NvmeNative.Md;

/// <summary>
/// A 16-byte md uuid (an array's set_uuid or a member's device_uuid) in on-disk byte order, with the spellings the
/// md world uses for it: mdadm's <c>--detail</c>/<c>--examine</c> form (bytes in order, four colon-separated groups),
/// the kernel's <c>md/uuid</c> form (<c>%pU</c>: bytes in order, 8-4-4-4-12) and mdadm's map-file form (four
/// host-endian words). mdadm's <c>--uuid=</c> parser takes the 32 hex digits in order and ignores separators; on a
/// little-endian host it stores them in the same order (super1 swapuuid), which the golden fixtures confirm.
/// </summary>
public readonly struct MdUuid : IEquatable<MdUuid>
{
    internal const int Length = 16;

    // The 16 bytes as two big-endian halves, so that equality is byte equality and default is the zero uuid.
    private readonly ulong _high;
    private readonly ulong _low;

    /// <summary>Wraps 16 bytes (copied), in on-disk order.</summary>
    /// <exception cref="ArgumentException">The span is not 16 bytes long.</exception>
    public MdUuid(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
            throw new ArgumentException($"an md uuid is {Length} bytes, not {bytes.Length}", nameof(bytes));
        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
    }

    /// <summary>The 16 bytes as they are stored in the superblock (a copy).</summary>
    public ReadOnlySpan<byte> Bytes => ToArray();

    /// <summary>The uuid whose on-disk bytes are these 16.</summary>
    internal static MdUuid FromBytes(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>16 random bytes from the system's CSPRNG, as mdadm's random_uuid() draws a new array's or member's uuid.</summary>
    public static MdUuid NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Length];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return new MdUuid(bytes);
    }

    /// <summary>True for the all-zero uuid (what sysfs shows for an array without metadata).</summary>
    internal bool IsZero => (_high | _low) == 0;

    /// <summary>A copy of the on-disk bytes.</summary>
    internal byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Writes the 16 on-disk bytes.</summary>
    internal void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..Length], _low);
    }

    /// <summary>mdadm's form, e.g. "0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9" (what --detail prints as UUID).</summary>
    public string ToMdadmString()
    {
        byte[] bytes = ToArray();
        return string.Join(':', Enumerable.Range(0, 4).Select(i => Convert.ToHexStringLower(bytes, 4 * i, 4)));
    }

    /// <summary>The kernel's md/uuid form, e.g. "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9".</summary>
    public string ToKernelString()
    {
        string hex = Convert.ToHexStringLower(ToArray());
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>
    /// The form of /run/mdadm/map: mdadm copies set_uuid into int[4] and prints each int with %08x, so each word
    /// is a host-endian read of four bytes (byte-reversed per group on little-endian machines).
    /// </summary>
    internal string ToMapFileString()
    {
        byte[] bytes = ToArray();
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
        Span<byte> bytes = stackalloc byte[Length];
        for (int i = 0; i < 4; i++)
        {
            if (words[i].Length != 8 ||
                !uint.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint word))
                return false;
            MemoryMarshal.Write(bytes.Slice(4 * i, 4), in word);
        }
        uuid = new MdUuid(bytes);
        return true;
    }

    /// <summary>
    /// Parses 32 hex digits in byte order, optionally grouped with ':', '-', '.' or ' ' (mdadm prints ':', the kernel
    /// and blkid print '-' groups). Anything else, or a digit count other than 32, is refused.
    /// </summary>
    /// <exception cref="InvalidInputException">The text is not an md uuid; the message says why.</exception>
    public static MdUuid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var uuid, out string? problem)
            ? uuid
            : throw new InvalidInputException($"'{text}' is not an md uuid: {problem}", "parse md uuid", "uuid");
    }

    /// <summary>Parses like <see cref="Parse"/> (leading and trailing white space ignored) without throwing.</summary>
    public static bool TryParse(string? text, out MdUuid uuid) => TryParse(text?.Trim(), out uuid, out _);

    private static bool TryParse(string? text, out MdUuid uuid, out string? problem)
    {
        uuid = default;
        problem = null;
        if (text is null)
        {
            problem = "no text";
            return false;
        }
        Span<byte> bytes = stackalloc byte[Length];
        int digits = 0;
        foreach (char c in text)
        {
            if (c is ':' or '-' or '.' or ' ')
                continue;
            int value = HexValue(c);
            if (value < 0)
                problem = $"'{c}' is neither a hex digit nor a separator";
            else if (digits == 2 * Length)
                problem = "more than 32 hex digits";
            if (problem is not null)
                return false;
            bytes[digits / 2] = (byte)((bytes[digits / 2] << 4) | value);
            digits++;
        }
        if (digits != 2 * Length)
        {
            problem = $"{digits} hex digits, 32 needed";
            return false;
        }
        uuid = new MdUuid(bytes);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <inheritdoc/>
    public bool Equals(MdUuid other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MdUuid other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Equality of the 16 bytes.</summary>
    public static bool operator ==(MdUuid left, MdUuid right) => left.Equals(right);

    /// <summary>Inequality of the 16 bytes.</summary>
    public static bool operator !=(MdUuid left, MdUuid right) => !left.Equals(right);

    /// <summary>The mdadm form.</summary>
    public override string ToString() => ToMdadmString();
}
