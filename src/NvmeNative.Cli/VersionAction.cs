using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace NvmeNative.Cli;

/// <summary>
/// <c>--version</c>: the version every package of the repository carries (Directory.Build.props), read from this
/// assembly (System.CommandLine's own reads the entry assembly, which in a test is the test runner).
/// </summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    internal static string Version
    {
        get
        {
            string version = typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            int metadata = version.IndexOf('+', StringComparison.Ordinal);
            return metadata < 0 ? version : version[..metadata]; // the commit is in the package's repository metadata
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Version);
        return CliApp.Ok;
    }
}
