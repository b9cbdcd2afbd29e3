using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using NvmeNative.Errors;
using NvmeNative.Nvme;

namespace NvmeNative.Fabrics;

/// <summary>The hash a DH-HMAC-CHAP secret is transformed with (the <c>hh</c> in <c>DHHC-1:hh:</c>).</summary>
public enum DhchapHash
{
    /// <summary>00: the key is used as is.</summary>
    None = 0,

    /// <summary>01: HMAC-SHA-256, 32-byte key.</summary>
    Sha256 = 1,

    /// <summary>02: HMAC-SHA-384, 48-byte key.</summary>
    Sha384 = 2,

    /// <summary>03: HMAC-SHA-512, 64-byte key.</summary>
    Sha512 = 3,
}

/// <summary>
/// An NVMe in-band authentication (DH-HMAC-CHAP) secret in the representation nvme-cli's
/// <c>gen-dhchap-key</c> prints: <c>DHHC-1:hh:&lt;base64 of key + CRC-32&gt;:</c>. Validated completely (the
/// kernel only checks the prefix and length before the connect, then fails the connect). Its
/// <see cref="ToString"/> and every error about it never show the key.
/// </summary>
public sealed class DhchapSecret : IEquatable<DhchapSecret>
{
    private const string Prefix = "DHHC-1:";
    private readonly byte[] _utf8;

    private DhchapSecret(byte[] utf8, DhchapHash hash, int keyLength)
    {
        _utf8 = utf8;
        Hash = hash;
        KeyLength = keyLength;
    }

    /// <summary>The transformation hash.</summary>
    public DhchapHash Hash { get; }

    /// <summary>The key length in bytes: 32, 48 or 64.</summary>
    public int KeyLength { get; }

    /// <summary>The secret as written to the kernel (UTF-8). Internal: only the option string builder reads it.</summary>
    internal ReadOnlySpan<byte> Utf8 => _utf8;

    /// <summary>Parses and validates a secret.</summary>
    /// <exception cref="InvalidInputException">Not a valid secret; the message describes why without quoting it.</exception>
    public static DhchapSecret Parse(string secret) =>
        TryParse(secret, out var parsed, out string? error)
            ? parsed
            : throw new InvalidInputException(error, "parse DH-HMAC-CHAP secret", "dhchap_secret");

    /// <summary>Parses a secret; false when it is not valid.</summary>
    public static bool TryParse([NotNullWhen(true)] string? secret, [NotNullWhen(true)] out DhchapSecret? parsed) =>
        TryParse(secret, out parsed, out _);

    internal static bool TryParse([NotNullWhen(true)] string? secret, [NotNullWhen(true)] out DhchapSecret? parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        error = Validate(secret, out DhchapHash hash, out int keyLength);
        if (error is not null)
            return false;
        parsed = new DhchapSecret(Encoding.UTF8.GetBytes(secret!), hash, keyLength);
        return true;
    }

    // Error texts describe the shape only: the secret itself must never reach a message.
    private static string? Validate(string? secret, out DhchapHash hash, out int keyLength)
    {
        hash = DhchapHash.None;
        keyLength = 0;
        if (string.IsNullOrEmpty(secret))
            return "the secret is empty";
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
            return "a DH-HMAC-CHAP secret starts with \"DHHC-1:\"";
        if (secret.Length < 11 || !char.IsAsciiDigit(secret[7]) || !char.IsAsciiDigit(secret[8]) || secret[9] != ':')
            return "a DH-HMAC-CHAP secret has the form DHHC-1:hh:<base64>: with a two-digit hash id";
        int hashId = (secret[7] - '0') * 10 + (secret[8] - '0');
        if (hashId > 3)
            return $"hash id {hashId:00} is not one of 00 (none), 01 (SHA-256), 02 (SHA-384), 03 (SHA-512)";
        hash = (DhchapHash)hashId;
        string body = secret.EndsWith(':') ? secret[10..^1] : secret[10..];
        if (InputText.FindInjection(body, allowEquals: true) is string bad)
            return $"the secret contains {bad}";
        Span<byte> decoded = stackalloc byte[72];
        try
        {
            if (!Convert.TryFromBase64String(body, decoded, out int n))
                return "the key part is not base64 of a 32, 48 or 64-byte key plus its CRC-32";
            if (n is not (36 or 52 or 68))
                return $"the key part decodes to {n} bytes; expected a 32, 48 or 64-byte key plus a 4-byte CRC-32";
            keyLength = n - 4;
            int expected = hash switch { DhchapHash.Sha256 => 32, DhchapHash.Sha384 => 48, DhchapHash.Sha512 => 64, _ => keyLength };
            if (keyLength != expected)
                return $"a {hash} secret has a {expected}-byte key, not {keyLength} bytes";
            if (Crc32.Compute(decoded[..keyLength]) != BinaryPrimitives.ReadUInt32LittleEndian(decoded[keyLength..n]))
                return "the key's CRC-32 does not match (the secret was mistyped or truncated)";
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
        }
    }

    /// <summary>The shape only, never the key: <c>DHHC-1:01:***</c>.</summary>
    public override string ToString() => $"DHHC-1:{(int)Hash:00}:{SecretRedactor.Mask}";

    /// <summary>Compares in constant time.</summary>
    public bool Equals(DhchapSecret? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(_utf8, other._utf8);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DhchapSecret);

    /// <summary>Depends on the shape only (a hash of the key would leak information about it).</summary>
    public override int GetHashCode() => HashCode.Combine(Hash, KeyLength);
}
