using System.CommandLine;
using System.CommandLine.Help;
using NvmeNative.Cli;

namespace NvmeNative.Tests.Cli;

/// <summary>
/// <see cref="HelpText"/> lays out help as System.CommandLine's HelpBuilder does (the CLI writes its own to keep the
/// builder's resource lookups off the start path): the two agree on every command at every width, blanks at line
/// ends aside (ours has none).
/// </summary>
public sealed class HelpTextTests
{
    public static TheoryData<string, int> CommandsAndWidths()
    {
        var data = new TheoryData<string, int>();
        foreach (var command in new CliCommands().All)
        {
            foreach (int width in (int[])[30, 40, 60, 80, 110, 200, int.MaxValue])
                data.Add(command.Name, width);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CommandsAndWidths))]
    public void Help_is_laid_out_as_system_commandlines_help_builder(string name, int width)
    {
        var commands = new CliCommands();
        var command = commands.All.Single(c => c.Name == name);
        Assert.Equal(HelpBuilderText(commands, command, width), HelpText.Of(command, width));
    }

    [Fact]
    public void The_tree_uses_neither_help_option_nor_version_option_whose_constructors_load_resources()
    {
        var commands = new CliCommands();
        Assert.DoesNotContain(commands.All.SelectMany(c => c.Options), o => o is HelpOption or VersionOption);
        Assert.IsType<HelpAction>(commands.Help.Action);
        Assert.IsType<VersionAction>(commands.Version.Action);
    }

    [Theory]
    [InlineData("attach")]
    [InlineData("watch")]
    public void A_help_request_is_answered_even_where_arguments_are_missing(string name)
    {
        var output = new StringWriter();
        int exit = CliApp.Run([name, "--help"], new StringReader(""), output, new StringWriter());
        Assert.Equal(CliApp.Ok, exit);
        Assert.StartsWith("Description:\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"nvmenative {name}", output.ToString(), StringComparison.Ordinal);
    }

    private static string HelpBuilderText(CliCommands commands, Command command, int width)
    {
        var parse = commands.Root.Parse(command == commands.Root ? ["--help"] : [command.Name, "--help"]);
        ((HelpAction)parse.Action!).MaxWidth = width;
        var output = new StringWriter { NewLine = "\n" };
        parse.Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        return string.Join('\n', output.ToString().ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd()));
    }
}
