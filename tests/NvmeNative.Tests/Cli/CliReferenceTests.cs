using NvmeNative.Cli;

namespace NvmeNative.Tests.Cli;

/// <summary>
/// The README's CLI reference is the commands' own help: generated from <see cref="CliCommands"/> and checked here.
/// After changing a command, <c>./build.sh regen-readme</c> rewrites the section (NVMENATIVE_REGEN=1 runs this test so).
/// </summary>
public sealed class CliReferenceTests
{
    internal const string Begin = "<!-- cli-reference: generated from src/NvmeNative.Cli/CliCommands.cs by ./build.sh regen-readme; do not edit -->";
    internal const string End = "<!-- /cli-reference -->";

    [Fact]
    public void The_readme_reference_is_the_help_of_every_command()
    {
        string readmePath = Path.Combine(RepoPaths.Root, "README.md");
        string readme = File.ReadAllText(readmePath);
        int begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        int end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "README.md has no CLI reference section between the markers");
        string expected = $"{Begin}\n```\n{new CliCommands().Reference()}```\n{End}";
        string actual = readme[begin..(end + End.Length)];
        if (actual != expected && Environment.GetEnvironmentVariable("NVMENATIVE_REGEN") == "1")
        {
            File.WriteAllText(readmePath, readme[..begin] + expected + readme[(end + End.Length)..]);
            return;
        }
        Assert.Equal(expected, actual);
    }
}
