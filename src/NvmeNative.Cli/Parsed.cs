namespace NvmeNative.Cli;

/// <summary>A usage error: exit 2, one line on stderr, nothing changed.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The arguments of one command: positionals, boolean flags and flags with a value.</summary>
internal sealed class Parsed
{
    private readonly List<string> _positionals = [];
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    internal static Parsed From(ReadOnlySpan<string> args, int positionals, string[] flags, string[] valued)
    {
        var p = new Parsed();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a.Contains('=') ? a[..a.IndexOf('=')] : a;
                if (Array.IndexOf(valued, name) >= 0)
                {
                    string value = a.Contains('=') ? a[(a.IndexOf('=') + 1)..]
                        : ++i < args.Length ? args[i] : throw new UsageException($"{name} needs a value");
                    p._values[name] = value;
                }
                else if (Array.IndexOf(flags, a) >= 0)
                    p._flags.Add(a);
                else
                    throw new UsageException($"unknown option {a}");
            }
            else
                p._positionals.Add(a);
        }
        if (p._positionals.Count != positionals)
            throw new UsageException(positionals == 0
                ? $"unexpected argument '{p._positionals[0]}'"
                : $"expected {positionals} argument(s), got {p._positionals.Count} (PROPS is a file or - for stdin)");
        return p;
    }

    internal string Single(string what) => _positionals.Count == 1 ? _positionals[0] : throw new UsageException($"missing {what}");

    internal void None()
    {
    }

    internal bool Flag(string name) => _flags.Contains(name);

    internal string? Value(string name) => _values.GetValueOrDefault(name);
}
