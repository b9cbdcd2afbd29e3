using System.Security.Cryptography;
using System.Text;

namespace NvmeNative.Target;

/// <summary>
/// Names of nvmet objects: the rules an NQN must follow to be both a configfs directory and something a
/// host can connect to, and the recognizable names this library gives test objects so that
/// <see cref="NvmetTarget.RemoveLeftovers"/> can find them after a crashed run.
/// </summary>
public static class NvmetNames
{
    /// <summary>Prefix of every NQN made by <see cref="NewTestNqn"/>; the leftover sweep removes subsystems and hosts that start with it.</summary>
    public const string TestNqnPrefix = "nqn.2014-08.org.nvmenative:test-";

    /// <summary>File-name prefix of backing files the rig names itself; the sweep deletes such files when a swept namespace used one.</summary>
    public const string BackingFilePrefix = "nvmenative-target-";

    /// <summary>First port id the rig picks when the caller does not choose one (blktests and nvmetcli use small ids).</summary>
    public const ushort AutoPortIdFirst = 42000;

    /// <summary>Last port id the rig picks; the sweep removes unlinked ports in [<see cref="AutoPortIdFirst"/>, this].</summary>
    public const ushort AutoPortIdLast = 42999;

    /// <summary>The well-known discovery NQN, which nvmet refuses as a subsystem name.</summary>
    public const string DiscoveryNqn = "nqn.2014-08.org.nvmexpress.discovery";

    /// <summary>
    /// The host rejects an NQN of 223 bytes or more (NVMF_NQN_SIZE includes the terminating NUL).
    /// </summary>
    public const int MaxNqnBytes = 222;

    /// <summary>A fresh NQN under <see cref="TestNqnPrefix"/>: <c>nqn.2014-08.org.nvmenative:test-LABEL-RANDOM</c>.</summary>
    /// <param name="label">A short word saying what the object is for (letters, digits, '-', '.').</param>
    public static string NewTestNqn(string label = "subsys")
    {
        foreach (char c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
                throw new NvmetConfigException($"'{c}' is not allowed in a test NQN label (use letters, digits, '-', '.')", "make test NQN", nameof(label));
        }
        string nqn = $"{TestNqnPrefix}{label}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        ValidateNqn(nqn, "make test NQN", nameof(label));
        return nqn;
    }

    /// <summary>True when <paramref name="nqn"/> would be accepted by <see cref="ValidateNqn"/>.</summary>
    public static bool IsValidNqn(string nqn) => NqnProblem(nqn) is null;

    /// <summary>
    /// Checks what the kernel and a connect string need, and nothing more: 1..222 UTF-8 bytes, printable,
    /// no whitespace, no ',' (the option-string separator), no '/' (a configfs directory name), not "." or "..".
    /// The <c>nqn.yyyy-mm.domain:name</c> form is not required: nvmet accepts any such name, as blktests' does.
    /// </summary>
    /// <exception cref="NvmetConfigException">The NQN breaks one of the rules.</exception>
    public static void ValidateNqn(string nqn, string operation, string parameter)
    {
        if (NqnProblem(nqn) is string problem)
            throw new NvmetConfigException(problem, operation, parameter);
    }

    private static string? NqnProblem(string? nqn)
    {
        if (string.IsNullOrEmpty(nqn))
            return "an NQN cannot be empty";
        int bytes = Encoding.UTF8.GetByteCount(nqn);
        if (bytes > MaxNqnBytes)
            return $"NQN is {bytes} bytes; the host accepts at most {MaxNqnBytes}";
        if (nqn is "." or "..")
            return $"'{nqn}' cannot name a configfs directory";
        foreach (char c in nqn)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
                return $"NQN '{Printable(nqn)}' contains whitespace or a control character";
            if (c is ',' or '/')
                return $"NQN '{nqn}' contains '{c}' ({(c == ',' ? "it separates connect options" : "it separates configfs directories")})";
        }
        return null;
    }

    private static string Printable(string s) =>
        new(s.Select(c => char.IsControl(c) || char.IsWhiteSpace(c) ? '?' : c).ToArray());
}
