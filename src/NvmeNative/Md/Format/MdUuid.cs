using System.Buffers.Binary;
using System.Globalization;

namespace NvmeNative.Md.Format;

/// <summary>
/// A 16-byte md uuid (array set_uuid or per-device device_uuid) in on-disk byte order. Text form is mdadm's:
/// four groups of eight hex digits, "01234567:89abcdef:fedcba98:76543210", digits in byte order. mdadm's
/// <c>--uuid=</c> parser takes the 32 hex digits in order and ignores separators; on a little-endian host
/// it stores them in the same order (super1 swapuuid), which the golden fixtures confirm.
/// </summary>
internal readonly struct MdUuid : IEquatable<MdUuid>
{
    internal const int Length = 16;

    // The 16 bytes as two big-endian halves, so that equality and ordering are byte order.
    private readonly ulong _high;
    private readonly ulong _low;

    private MdUuid(ReadOnlySpan<byte> bytes)
    {
        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
    }

    /// <summary>The uuid whose on-disk bytes are these 16.</summary>
    internal static MdUuid FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length ? new MdUuid(bytes) : throw new ArgumentException($"an md uuid is {Length} bytes, not {bytes.Length}", nameof(bytes));

    /// <summary>16 random bytes, as mdadm's random_uuid() (from the system's CSPRNG).</summary>
    internal static MdUuid NewRandom()
    {
        Span<byte> b = stackalloc byte[Length];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return new MdUuid(b);
    }

    /// <summary>
    /// Parses 32 hex digits in byte order, optionally grouped with ':', '-', '.' or ' ' (mdadm prints ':',
    /// blkid/udev print '-' groups). Anything else, or a digit count other than 32, is an error.
    /// </summary>
    internal static MdUuid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> b = stackalloc byte[Length];
        int digits = 0;
        foreach (char c in text)
        {
            if (c is ':' or '-' or '.' or ' ')
                continue;
            int v = HexValue(c);
            if (v < 0)
                throw new MdArgumentException($"'{text}' is not an md uuid: '{c}' is neither a hex digit nor a separator", "uuid");
            if (digits == 2 * Length)
                throw new MdArgumentException($"'{text}' is not an md uuid: more than 32 hex digits", "uuid");
            b[digits / 2] = (byte)((b[digits / 2] << 4) | v);
            digits++;
        }
        if (digits != 2 * Length)
            throw new MdArgumentException($"'{text}' is not an md uuid: {digits} hex digits, 32 needed", "uuid");
        return new MdUuid(b);
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>A copy of the on-disk bytes.</summary>
    internal byte[] ToArray()
    {
        var b = new byte[Length];
        CopyTo(b);
        return b;
    }

    /// <summary>Writes the 16 on-disk bytes.</summary>
    internal void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..Length], _low);
    }

    internal bool IsZero => (_high | _low) == 0;

    /// <summary>mdadm's form: "01234567:89abcdef:fedcba98:76543210".</summary>
    public override string ToString()
    {
        var s = new System.Text.StringBuilder(35);
        Span<byte> b = stackalloc byte[Length];
        CopyTo(b);
        for (int i = 0; i < Length; i++)
        {
            if (i > 0 && i % 4 == 0)
                s.Append(':');
            s.Append(b[i].ToString("x2", CultureInfo.InvariantCulture));
        }
        return s.ToString();
    }

    public bool Equals(MdUuid other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is MdUuid other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low);

    public static bool operator ==(MdUuid left, MdUuid right) => left.Equals(right);

    public static bool operator !=(MdUuid left, MdUuid right) => !left.Equals(right);
}
