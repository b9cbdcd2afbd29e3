using System.CommandLine;

namespace NvmeNative.Cli;

/// <summary>
/// Parse errors as the one line the CLI prints: the errors, the nearest known word to a mistyped one, and
/// where to look. (System.CommandLine's own error action prints several lines and the whole help.)
/// </summary>
internal static class UsageErrors
{
    internal static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        bool atRoot = !command.Parents.Any();
        // Every error, on one line; those of the tokens themselves (a response file not found) first: they explain the rest.
        string message = string.Join("; ", parse.Errors.OrderBy(e => e.SymbolResult is null ? 0 : 1)
            .Select(e => e.Message.TrimEnd('.')).Distinct(StringComparer.Ordinal));
        if (parse.UnmatchedTokens.Count > 0)
        {
            string word = parse.UnmatchedTokens[0];
            if (atRoot && !word.StartsWith('-'))
                message = $"unknown command '{word}'";
            if (Nearest(word, Words(command)) is { } suggestion)
                message = $"{message}; did you mean '{suggestion}'?";
        }
        return $"{message} (see {(atRoot ? "nvmenative --help" : $"nvmenative {command.Name} --help")})";
    }

    /// <summary>What may stand where the unmatched word stood: the command's subcommands and option names.</summary>
    private static IEnumerable<string> Words(Command command)
    {
        foreach (var sub in command.Subcommands)
            yield return sub.Name;
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            foreach (var option in c.Options)
            {
                if (c == command || option.Recursive)
                {
                    yield return option.Name;
                    foreach (var alias in option.Aliases)
                        yield return alias;
                }
            }
        }
    }

    /// <summary>The candidate closest to <paramref name="word"/> by edit distance, when close enough to be a typo.</summary>
    internal static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = EditDistance(word, candidate);
            if (distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        // A third of the word may be wrong (a dropped, doubled, swapped or wrong letter or two), never all of a short one.
        return best is not null && bestDistance > 0 && bestDistance <= Math.Max(1, word.Length / 3) ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
