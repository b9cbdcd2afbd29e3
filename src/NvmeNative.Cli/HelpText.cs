using System.CommandLine;
using System.Text;

namespace NvmeNative.Cli;

/// <summary>
/// A command's <c>--help</c>: its description, usage, arguments, options and subcommands, laid out as
/// System.CommandLine's <c>HelpBuilder</c> lays them out (a unit test holds the two equal at several widths). Ours,
/// because the builder takes every heading from the package's <c>ResourceManager</c>, which costs a help request a
/// tenth of the binary's start (reflection over the embedded resources, about 40 page faults); this writes the same
/// text from the command tree in one write.
/// </summary>
internal static class HelpText
{
    private const string Indent = "  ";

    /// <summary>The help of <paramref name="command"/>, wrapped at <paramref name="width"/> columns (unlimited: one line per item).</summary>
    internal static string Of(Command command, int width = int.MaxValue)
    {
        var text = new StringBuilder();
        bool first = true;
        void Section(string heading, Action<StringBuilder> body)
        {
            if (!first)
                text.Append('\n');
            first = false;
            text.Append(heading).Append('\n');
            body(text);
        }

        if (!string.IsNullOrWhiteSpace(command.Description))
            Section("Description:", t => Indented(t, command.Description, width));
        Section("Usage:", t => Indented(t, Usage(command), width));

        var arguments = Lineage(command).SelectMany(c => c.Arguments).Where(a => !a.Hidden)
            .Select(a => (ArgumentLabel(a), a.Description ?? "")).Distinct().ToList();
        if (arguments.Count > 0)
            Section("Arguments:", t => Columns(t, arguments, width));

        var options = command.Options.Where(o => !o.Hidden).Concat(
            Lineage(command).AsEnumerable().Reverse().Skip(1).SelectMany(c => c.Options).Where(o => o.Recursive && !o.Hidden))
            .Select(o => (OptionLabel(o), o.Description ?? "")).ToList();
        if (options.Count > 0)
            Section("Options:", t => Columns(t, options, width));

        var subcommands = command.Subcommands.Where(c => !c.Hidden)
            .Select(c => (string.Join(' ', [c.Name, .. c.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel)]), c.Description ?? "")).ToList();
        if (subcommands.Count > 0)
            Section("Commands:", t => Columns(t, subcommands, width));
        return text.Append('\n').ToString();
    }

    /// <summary>The terminal's width when <paramref name="output"/> is the console on a terminal, else unlimited.</summary>
    internal static int WidthFor(TextWriter output)
    {
        try
        {
            bool terminal = (output == Console.Out && !Console.IsOutputRedirected) || (output == Console.Error && !Console.IsErrorRedirected);
            return terminal && Console.WindowWidth > 0 ? Console.WindowWidth : int.MaxValue;
        }
        catch (IOException)
        {
            return int.MaxValue;
        }
    }

    /// <summary>The command and the commands above it, the root first.</summary>
    private static List<Command> Lineage(Command command)
    {
        var lineage = new List<Command>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            lineage.Insert(0, c);
        return lineage;
    }

    private static string Usage(Command command)
    {
        var parts = new List<string>();
        bool options = false;
        foreach (var c in Lineage(command))
        {
            options |= c != command && c.Options.Any(o => o.Recursive && !o.Hidden);
            parts.Add(c.Name);
            if (c.Arguments.Any(a => !a.Hidden))
                parts.Add(string.Join(' ', c.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel)));
        }
        if (command.Subcommands.Any(c => !c.Hidden))
            parts.Add("[command]");
        if (options || command.Options.Any(o => !o.Hidden))
            parts.Add("[options]");
        return string.Join(' ', parts);
    }

    private static string ArgumentLabel(Argument argument) => $"<{argument.HelpName ?? argument.Name}>";

    /// <summary>Every name of the option, single-dash ones first, then its value's name unless it is a switch.</summary>
    private static string OptionLabel(Option option)
    {
        var names = new[] { option.Name }.Concat(option.Aliases).Distinct()
            .Select(n => (Prefix: n[..(n.Length - n.TrimStart('-', '/').Length)], Bare: n.TrimStart('-', '/')))
            .OrderBy(n => n.Prefix, StringComparer.OrdinalIgnoreCase).ThenBy(n => n.Bare, StringComparer.OrdinalIgnoreCase)
            .Select(n => n.Prefix + n.Bare);
        string label = string.Join(", ", names);
        bool takesValue = option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0;
        return takesValue ? $"{label} <{option.HelpName ?? option.Name.TrimStart('-', '/')}>" : label;
    }

    private static void Indented(StringBuilder text, string content, int width)
    {
        foreach (string line in Wrap(content, width == int.MaxValue ? width : width - Indent.Length))
            text.Append(Indent).Append(line.TrimEnd()).Append('\n');
    }

    /// <summary>Two columns: the labels, then the descriptions wrapped beside them.</summary>
    private static void Columns(StringBuilder text, List<(string Label, string Description)> rows, int width)
    {
        int labels = rows.Max(r => r.Label.Length);
        int descriptions = rows.Max(r => r.Description.Length);
        if ((long)labels + descriptions + 2 * Indent.Length > width)
        {
            int labelMax = width / 2 - Indent.Length;
            if (labels > labelMax)
                labels = rows.SelectMany(r => Wrap(r.Label, labelMax)).Max(l => l.Length);
            descriptions = width - labels - 2 * Indent.Length;
        }
        foreach (var (label, description) in rows)
        {
            var left = Wrap(label, labels);
            var right = Wrap(description, descriptions);
            for (int i = 0; i < Math.Max(left.Count, right.Count); i++)
            {
                string l = i < left.Count ? left[i] : "";
                string r = i < right.Count ? right[i] : "";
                text.Append(Indent).Append(l);
                if (!string.IsNullOrWhiteSpace(r))
                    text.Append(' ', Math.Max(0, labels - l.Length)).Append(Indent).Append(r);
                text.Length -= TrailingBlanks(text);
                text.Append('\n');
            }
        }
    }

    private static int TrailingBlanks(StringBuilder text)
    {
        int n = 0;
        while (n < text.Length && text[text.Length - 1 - n] == ' ')
            n++;
        return n;
    }

    /// <summary>
    /// Lines of at most <paramref name="width"/> characters, broken after the last blank that fits (a word longer
    /// than the line is cut); the line breaks of the text are kept.
    /// </summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
            return lines;
        foreach (string part in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (part.Length <= width)
            {
                lines.Add(part);
                continue;
            }
            for (int i = 0; i < part.Length;)
            {
                if (part.Length - i < width)
                {
                    lines.Add(part[i..]);
                    break;
                }
                int length = -1;
                for (int j = 0; i + j < part.Length && j < width; j++)
                {
                    if (char.IsWhiteSpace(part[i + j]))
                        length = j + 1;
                }
                if (length == -1)
                    length = width;
                lines.Add(part.Substring(i, length));
                i += length;
            }
        }
        return lines;
    }
}
