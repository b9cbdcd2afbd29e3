using System.Diagnostics.CodeAnalysis;
using System.Text;
using NvmeNative.Errors;

namespace NvmeNative.Nvme;

/// <summary>
/// An NVMe Qualified Name: a subsystem NQN or a host NQN, validated so that it can be written to
/// /dev/nvme-fabrics unchanged. Compared as binary strings (ordinal), as the NVMe specification says.
/// </summary>
/// <remarks>
/// The Linux host checks only the length (<c>strlen(nqn) &gt;= NVMF_NQN_SIZE (223)</c> is EINVAL, so at most
/// 222 bytes, one less than the specification's 223), and nvmet accepts any name, so the
/// <c>nqn.yyyy-mm.domain:...</c> form is reported by <see cref="IsNvmeFormat"/> but not required.
/// Refused: empty, longer than <see cref="MaxBytes"/> UTF-8 bytes, or containing ',', '=', whitespace or
/// control characters (they would inject into the option string).
/// </remarks>
public sealed record Nqn
{
    /// <summary>The longest NQN the Linux host accepts, in UTF-8 bytes (NVMF_NQN_SIZE - 1).</summary>
    public const int MaxBytes = 222;

    /// <summary>The well-known discovery subsystem NQN.</summary>
    public const string DiscoveryNqnValue = "nqn.2014-08.org.nvmexpress.discovery";

    /// <summary>The prefix of UUID-based NQNs (<c>nqn.2014-08.org.nvmexpress:uuid:&lt;uuid&gt;</c>).</summary>
    public const string UuidNqnPrefix = "nqn.2014-08.org.nvmexpress:uuid:";

    private Nqn(string value) => Value = value;

    /// <summary>The NQN text.</summary>
    public string Value { get; }

    /// <summary>The well-known discovery NQN.</summary>
    public static Nqn Discovery { get; } = new(DiscoveryNqnValue);

    /// <summary>True for the well-known discovery subsystem NQN.</summary>
    public bool IsDiscovery => Value == DiscoveryNqnValue;

    /// <summary>
    /// True when the NQN has one of the specification's forms: <c>nqn.yyyy-mm.reverse.domain[:anything]</c>
    /// or the UUID form. Informational only: Linux and nvmet accept other names.
    /// </summary>
    public bool IsNvmeFormat => UuidPart is not null || HasDateDomainForm(Value);

    /// <summary>The UUID of a UUID-form NQN (<c>nqn.2014-08.org.nvmexpress:uuid:...</c>), or null.</summary>
    public NvmeUuid? UuidPart =>
        Value.StartsWith(UuidNqnPrefix, StringComparison.Ordinal) && NvmeUuid.TryParse(Value[UuidNqnPrefix.Length..], out var uuid)
            ? uuid
            : null;

    /// <summary>The UUID-form NQN for <paramref name="uuid"/>, as nvme-cli's gen-hostnqn builds it.</summary>
    public static Nqn FromUuid(NvmeUuid uuid) => new(UuidNqnPrefix + uuid.ToString());

    /// <summary>Parses and validates an NQN.</summary>
    /// <exception cref="InvalidInputException">The text is not an NQN the kernel would accept unchanged.</exception>
    public static Nqn Parse(string value) =>
        TryParse(value, out var nqn, out string? error) ? nqn : throw new InvalidInputException(error, "parse NQN", "nqn");

    /// <summary>Parses an NQN; false when it is invalid.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out Nqn? nqn) =>
        TryParse(value, out nqn, out _);

    internal static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out Nqn? nqn,
        [NotNullWhen(false)] out string? error)
    {
        nqn = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "an NQN cannot be empty";
            return false;
        }
        int bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxBytes)
        {
            error = $"the NQN is {bytes} bytes long; the Linux host accepts at most {MaxBytes} (NVMF_NQN_SIZE 223 with its terminator)";
            return false;
        }
        if (InputText.FindInjection(value) is string bad)
        {
            error = $"the NQN {InputText.Quote(value)} contains {bad}";
            return false;
        }
        nqn = new Nqn(value);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Value;

    private static bool HasDateDomainForm(string v)
    {
        // nqn.yyyy-mm.<reverse domain>[:<string>]
        if (v.Length < 13 || !v.StartsWith("nqn.", StringComparison.Ordinal) || v[8] != '-' || v[11] != '.')
            return false;
        if (!InputText.IsDecimalDigits(v.AsSpan(4, 4)) || !InputText.IsDecimalDigits(v.AsSpan(9, 2)))
            return false;
        int month = (v[9] - '0') * 10 + (v[10] - '0');
        if (month is < 1 or > 12)
            return false;
        int colon = v.IndexOf(':', 12);
        ReadOnlySpan<char> domain = colon < 0 ? v.AsSpan(12) : v.AsSpan(12, colon - 12);
        return !domain.IsEmpty && domain[0] != '.' && domain[^1] != '.';
    }
}
